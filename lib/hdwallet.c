/* BIP-39 mnemonics and BIP-32 derivation for dev accounts.  Hashing is
 * libcrypto's (SHA-256, HMAC-SHA512, PBKDF2) and the curve is libsecp256k1's,
 * through secp.c. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "hdwallet.h"
#include "secp.h"
#include "suggest.h"
#include "xalloc.h"

#define PBKDF2_ROUNDS 2048
#define SALT_PREFIX "mnemonic"
#define MASTER_HMAC_KEY "Bitcoin seed"
#define WORDS_MAX 24
#define WORD_BITS 11
#define QUOTE_MAX 40 /* the longest piece of input quoted in a message */

/* BIP-39's English word list, sorted, from bitcoin/bips bip-0039/english.txt.
 * That file (the words, each ended by a newline) has the SHA-256
 * 2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda, which
 * tests/unit/test_hdwallet.c checks against this array. */
static const char *const wordlist[HDWALLET_WORDS] = {
	"abandon", "ability", "able", "about", "above", "absent", "absorb",
	"abstract", "absurd", "abuse", "access", "accident", "account",
	"accuse", "achieve", "acid", "acoustic", "acquire", "across", "act",
	"action", "actor", "actress", "actual", "adapt", "add", "addict",
	"address", "adjust", "admit", "adult", "advance", "advice", "aerobic",
	"affair", "afford", "afraid", "again", "age", "agent", "agree", "ahead",
	"aim", "air", "airport", "aisle", "alarm", "album", "alcohol", "alert",
	"alien", "all", "alley", "allow", "almost", "alone", "alpha", "already",
	"also", "alter", "always", "amateur", "amazing", "among", "amount",
	"amused", "analyst", "anchor", "ancient", "anger", "angle", "angry",
	"animal", "ankle", "announce", "annual", "another", "answer", "antenna",
	"antique", "anxiety", "any", "apart", "apology", "appear", "apple",
	"approve", "april", "arch", "arctic", "area", "arena", "argue", "arm",
	"armed", "armor", "army", "around", "arrange", "arrest", "arrive",
	"arrow", "art", "artefact", "artist", "artwork", "ask", "aspect",
	"assault", "asset", "assist", "assume", "asthma", "athlete", "atom",
	"attack", "attend", "attitude", "attract", "auction", "audit", "august",
	"aunt", "author", "auto", "autumn", "average", "avocado", "avoid",
	"awake", "aware", "away", "awesome", "awful", "awkward", "axis", "baby",
	"bachelor", "bacon", "badge", "bag", "balance", "balcony", "ball",
	"bamboo", "banana", "banner", "bar", "barely", "bargain", "barrel",
	"base", "basic", "basket", "battle", "beach", "bean", "beauty",
	"because", "become", "beef", "before", "begin", "behave", "behind",
	"believe", "below", "belt", "bench", "benefit", "best", "betray",
	"better", "between", "beyond", "bicycle", "bid", "bike", "bind",
	"biology", "bird", "birth", "bitter", "black", "blade", "blame",
	"blanket", "blast", "bleak", "bless", "blind", "blood", "blossom",
	"blouse", "blue", "blur", "blush", "board", "boat", "body", "boil",
	"bomb", "bone", "bonus", "book", "boost", "border", "boring", "borrow",
	"boss", "bottom", "bounce", "box", "boy", "bracket", "brain", "brand",
	"brass", "brave", "bread", "breeze", "brick", "bridge", "brief",
	"bright", "bring", "brisk", "broccoli", "broken", "bronze", "broom",
	"brother", "brown", "brush", "bubble", "buddy", "budget", "buffalo",
	"build", "bulb", "bulk", "bullet", "bundle", "bunker", "burden",
	"burger", "burst", "bus", "business", "busy", "butter", "buyer", "buzz",
	"cabbage", "cabin", "cable", "cactus", "cage", "cake", "call", "calm",
	"camera", "camp", "can", "canal", "cancel", "candy", "cannon", "canoe",
	"canvas", "canyon", "capable", "capital", "captain", "car", "carbon",
	"card", "cargo", "carpet", "carry", "cart", "case", "cash", "casino",
	"castle", "casual", "cat", "catalog", "catch", "category", "cattle",
	"caught", "cause", "caution", "cave", "ceiling", "celery", "cement",
	"census", "century", "cereal", "certain", "chair", "chalk", "champion",
	"change", "chaos", "chapter", "charge", "chase", "chat", "cheap",
	"check", "cheese", "chef", "cherry", "chest", "chicken", "chief",
	"child", "chimney", "choice", "choose", "chronic", "chuckle", "chunk",
	"churn", "cigar", "cinnamon", "circle", "citizen", "city", "civil",
	"claim", "clap", "clarify", "claw", "clay", "clean", "clerk", "clever",
	"click", "client", "cliff", "climb", "clinic", "clip", "clock", "clog",
	"close", "cloth", "cloud", "clown", "club", "clump", "cluster",
	"clutch", "coach", "coast", "coconut", "code", "coffee", "coil", "coin",
	"collect", "color", "column", "combine", "come", "comfort", "comic",
	"common", "company", "concert", "conduct", "confirm", "congress",
	"connect", "consider", "control", "convince", "cook", "cool", "copper",
	"copy", "coral", "core", "corn", "correct", "cost", "cotton", "couch",
	"country", "couple", "course", "cousin", "cover", "coyote", "crack",
	"cradle", "craft", "cram", "crane", "crash", "crater", "crawl", "crazy",
	"cream", "credit", "creek", "crew", "cricket", "crime", "crisp",
	"critic", "crop", "cross", "crouch", "crowd", "crucial", "cruel",
	"cruise", "crumble", "crunch", "crush", "cry", "crystal", "cube",
	"culture", "cup", "cupboard", "curious", "current", "curtain", "curve",
	"cushion", "custom", "cute", "cycle", "dad", "damage", "damp", "dance",
	"danger", "daring", "dash", "daughter", "dawn", "day", "deal", "debate",
	"debris", "decade", "december", "decide", "decline", "decorate",
	"decrease", "deer", "defense", "define", "defy", "degree", "delay",
	"deliver", "demand", "demise", "denial", "dentist", "deny", "depart",
	"depend", "deposit", "depth", "deputy", "derive", "describe", "desert",
	"design", "desk", "despair", "destroy", "detail", "detect", "develop",
	"device", "devote", "diagram", "dial", "diamond", "diary", "dice",
	"diesel", "diet", "differ", "digital", "dignity", "dilemma", "dinner",
	"dinosaur", "direct", "dirt", "disagree", "discover", "disease", "dish",
	"dismiss", "disorder", "display", "distance", "divert", "divide",
	"divorce", "dizzy", "doctor", "document", "dog", "doll", "dolphin",
	"domain", "donate", "donkey", "donor", "door", "dose", "double", "dove",
	"draft", "dragon", "drama", "drastic", "draw", "dream", "dress",
	"drift", "drill", "drink", "drip", "drive", "drop", "drum", "dry",
	"duck", "dumb", "dune", "during", "dust", "dutch", "duty", "dwarf",
	"dynamic", "eager", "eagle", "early", "earn", "earth", "easily", "east",
	"easy", "echo", "ecology", "economy", "edge", "edit", "educate",
	"effort", "egg", "eight", "either", "elbow", "elder", "electric",
	"elegant", "element", "elephant", "elevator", "elite", "else", "embark",
	"embody", "embrace", "emerge", "emotion", "employ", "empower", "empty",
	"enable", "enact", "end", "endless", "endorse", "enemy", "energy",
	"enforce", "engage", "engine", "enhance", "enjoy", "enlist", "enough",
	"enrich", "enroll", "ensure", "enter", "entire", "entry", "envelope",
	"episode", "equal", "equip", "era", "erase", "erode", "erosion",
	"error", "erupt", "escape", "essay", "essence", "estate", "eternal",
	"ethics", "evidence", "evil", "evoke", "evolve", "exact", "example",
	"excess", "exchange", "excite", "exclude", "excuse", "execute",
	"exercise", "exhaust", "exhibit", "exile", "exist", "exit", "exotic",
	"expand", "expect", "expire", "explain", "expose", "express", "extend",
	"extra", "eye", "eyebrow", "fabric", "face", "faculty", "fade", "faint",
	"faith", "fall", "false", "fame", "family", "famous", "fan", "fancy",
	"fantasy", "farm", "fashion", "fat", "fatal", "father", "fatigue",
	"fault", "favorite", "feature", "february", "federal", "fee", "feed",
	"feel", "female", "fence", "festival", "fetch", "fever", "few", "fiber",
	"fiction", "field", "figure", "file", "film", "filter", "final", "find",
	"fine", "finger", "finish", "fire", "firm", "first", "fiscal", "fish",
	"fit", "fitness", "fix", "flag", "flame", "flash", "flat", "flavor",
	"flee", "flight", "flip", "float", "flock", "floor", "flower", "fluid",
	"flush", "fly", "foam", "focus", "fog", "foil", "fold", "follow",
	"food", "foot", "force", "forest", "forget", "fork", "fortune", "forum",
	"forward", "fossil", "foster", "found", "fox", "fragile", "frame",
	"frequent", "fresh", "friend", "fringe", "frog", "front", "frost",
	"frown", "frozen", "fruit", "fuel", "fun", "funny", "furnace", "fury",
	"future", "gadget", "gain", "galaxy", "gallery", "game", "gap",
	"garage", "garbage", "garden", "garlic", "garment", "gas", "gasp",
	"gate", "gather", "gauge", "gaze", "general", "genius", "genre",
	"gentle", "genuine", "gesture", "ghost", "giant", "gift", "giggle",
	"ginger", "giraffe", "girl", "give", "glad", "glance", "glare", "glass",
	"glide", "glimpse", "globe", "gloom", "glory", "glove", "glow", "glue",
	"goat", "goddess", "gold", "good", "goose", "gorilla", "gospel",
	"gossip", "govern", "gown", "grab", "grace", "grain", "grant", "grape",
	"grass", "gravity", "great", "green", "grid", "grief", "grit",
	"grocery", "group", "grow", "grunt", "guard", "guess", "guide", "guilt",
	"guitar", "gun", "gym", "habit", "hair", "half", "hammer", "hamster",
	"hand", "happy", "harbor", "hard", "harsh", "harvest", "hat", "have",
	"hawk", "hazard", "head", "health", "heart", "heavy", "hedgehog",
	"height", "hello", "helmet", "help", "hen", "hero", "hidden", "high",
	"hill", "hint", "hip", "hire", "history", "hobby", "hockey", "hold",
	"hole", "holiday", "hollow", "home", "honey", "hood", "hope", "horn",
	"horror", "horse", "hospital", "host", "hotel", "hour", "hover", "hub",
	"huge", "human", "humble", "humor", "hundred", "hungry", "hunt",
	"hurdle", "hurry", "hurt", "husband", "hybrid", "ice", "icon", "idea",
	"identify", "idle", "ignore", "ill", "illegal", "illness", "image",
	"imitate", "immense", "immune", "impact", "impose", "improve",
	"impulse", "inch", "include", "income", "increase", "index", "indicate",
	"indoor", "industry", "infant", "inflict", "inform", "inhale",
	"inherit", "initial", "inject", "injury", "inmate", "inner", "innocent",
	"input", "inquiry", "insane", "insect", "inside", "inspire", "install",
	"intact", "interest", "into", "invest", "invite", "involve", "iron",
	"island", "isolate", "issue", "item", "ivory", "jacket", "jaguar",
	"jar", "jazz", "jealous", "jeans", "jelly", "jewel", "job", "join",
	"joke", "journey", "joy", "judge", "juice", "jump", "jungle", "junior",
	"junk", "just", "kangaroo", "keen", "keep", "ketchup", "key", "kick",
	"kid", "kidney", "kind", "kingdom", "kiss", "kit", "kitchen", "kite",
	"kitten", "kiwi", "knee", "knife", "knock", "know", "lab", "label",
	"labor", "ladder", "lady", "lake", "lamp", "language", "laptop",
	"large", "later", "latin", "laugh", "laundry", "lava", "law", "lawn",
	"lawsuit", "layer", "lazy", "leader", "leaf", "learn", "leave",
	"lecture", "left", "leg", "legal", "legend", "leisure", "lemon", "lend",
	"length", "lens", "leopard", "lesson", "letter", "level", "liar",
	"liberty", "library", "license", "life", "lift", "light", "like",
	"limb", "limit", "link", "lion", "liquid", "list", "little", "live",
	"lizard", "load", "loan", "lobster", "local", "lock", "logic", "lonely",
	"long", "loop", "lottery", "loud", "lounge", "love", "loyal", "lucky",
	"luggage", "lumber", "lunar", "lunch", "luxury", "lyrics", "machine",
	"mad", "magic", "magnet", "maid", "mail", "main", "major", "make",
	"mammal", "man", "manage", "mandate", "mango", "mansion", "manual",
	"maple", "marble", "march", "margin", "marine", "market", "marriage",
	"mask", "mass", "master", "match", "material", "math", "matrix",
	"matter", "maximum", "maze", "meadow", "mean", "measure", "meat",
	"mechanic", "medal", "media", "melody", "melt", "member", "memory",
	"mention", "menu", "mercy", "merge", "merit", "merry", "mesh",
	"message", "metal", "method", "middle", "midnight", "milk", "million",
	"mimic", "mind", "minimum", "minor", "minute", "miracle", "mirror",
	"misery", "miss", "mistake", "mix", "mixed", "mixture", "mobile",
	"model", "modify", "mom", "moment", "monitor", "monkey", "monster",
	"month", "moon", "moral", "more", "morning", "mosquito", "mother",
	"motion", "motor", "mountain", "mouse", "move", "movie", "much",
	"muffin", "mule", "multiply", "muscle", "museum", "mushroom", "music",
	"must", "mutual", "myself", "mystery", "myth", "naive", "name",
	"napkin", "narrow", "nasty", "nation", "nature", "near", "neck", "need",
	"negative", "neglect", "neither", "nephew", "nerve", "nest", "net",
	"network", "neutral", "never", "news", "next", "nice", "night", "noble",
	"noise", "nominee", "noodle", "normal", "north", "nose", "notable",
	"note", "nothing", "notice", "novel", "now", "nuclear", "number",
	"nurse", "nut", "oak", "obey", "object", "oblige", "obscure", "observe",
	"obtain", "obvious", "occur", "ocean", "october", "odor", "off",
	"offer", "office", "often", "oil", "okay", "old", "olive", "olympic",
	"omit", "once", "one", "onion", "online", "only", "open", "opera",
	"opinion", "oppose", "option", "orange", "orbit", "orchard", "order",
	"ordinary", "organ", "orient", "original", "orphan", "ostrich", "other",
	"outdoor", "outer", "output", "outside", "oval", "oven", "over", "own",
	"owner", "oxygen", "oyster", "ozone", "pact", "paddle", "page", "pair",
	"palace", "palm", "panda", "panel", "panic", "panther", "paper",
	"parade", "parent", "park", "parrot", "party", "pass", "patch", "path",
	"patient", "patrol", "pattern", "pause", "pave", "payment", "peace",
	"peanut", "pear", "peasant", "pelican", "pen", "penalty", "pencil",
	"people", "pepper", "perfect", "permit", "person", "pet", "phone",
	"photo", "phrase", "physical", "piano", "picnic", "picture", "piece",
	"pig", "pigeon", "pill", "pilot", "pink", "pioneer", "pipe", "pistol",
	"pitch", "pizza", "place", "planet", "plastic", "plate", "play",
	"please", "pledge", "pluck", "plug", "plunge", "poem", "poet", "point",
	"polar", "pole", "police", "pond", "pony", "pool", "popular", "portion",
	"position", "possible", "post", "potato", "pottery", "poverty",
	"powder", "power", "practice", "praise", "predict", "prefer", "prepare",
	"present", "pretty", "prevent", "price", "pride", "primary", "print",
	"priority", "prison", "private", "prize", "problem", "process",
	"produce", "profit", "program", "project", "promote", "proof",
	"property", "prosper", "protect", "proud", "provide", "public",
	"pudding", "pull", "pulp", "pulse", "pumpkin", "punch", "pupil",
	"puppy", "purchase", "purity", "purpose", "purse", "push", "put",
	"puzzle", "pyramid", "quality", "quantum", "quarter", "question",
	"quick", "quit", "quiz", "quote", "rabbit", "raccoon", "race", "rack",
	"radar", "radio", "rail", "rain", "raise", "rally", "ramp", "ranch",
	"random", "range", "rapid", "rare", "rate", "rather", "raven", "raw",
	"razor", "ready", "real", "reason", "rebel", "rebuild", "recall",
	"receive", "recipe", "record", "recycle", "reduce", "reflect", "reform",
	"refuse", "region", "regret", "regular", "reject", "relax", "release",
	"relief", "rely", "remain", "remember", "remind", "remove", "render",
	"renew", "rent", "reopen", "repair", "repeat", "replace", "report",
	"require", "rescue", "resemble", "resist", "resource", "response",
	"result", "retire", "retreat", "return", "reunion", "reveal", "review",
	"reward", "rhythm", "rib", "ribbon", "rice", "rich", "ride", "ridge",
	"rifle", "right", "rigid", "ring", "riot", "ripple", "risk", "ritual",
	"rival", "river", "road", "roast", "robot", "robust", "rocket",
	"romance", "roof", "rookie", "room", "rose", "rotate", "rough", "round",
	"route", "royal", "rubber", "rude", "rug", "rule", "run", "runway",
	"rural", "sad", "saddle", "sadness", "safe", "sail", "salad", "salmon",
	"salon", "salt", "salute", "same", "sample", "sand", "satisfy",
	"satoshi", "sauce", "sausage", "save", "say", "scale", "scan", "scare",
	"scatter", "scene", "scheme", "school", "science", "scissors",
	"scorpion", "scout", "scrap", "screen", "script", "scrub", "sea",
	"search", "season", "seat", "second", "secret", "section", "security",
	"seed", "seek", "segment", "select", "sell", "seminar", "senior",
	"sense", "sentence", "series", "service", "session", "settle", "setup",
	"seven", "shadow", "shaft", "shallow", "share", "shed", "shell",
	"sheriff", "shield", "shift", "shine", "ship", "shiver", "shock",
	"shoe", "shoot", "shop", "short", "shoulder", "shove", "shrimp",
	"shrug", "shuffle", "shy", "sibling", "sick", "side", "siege", "sight",
	"sign", "silent", "silk", "silly", "silver", "similar", "simple",
	"since", "sing", "siren", "sister", "situate", "six", "size", "skate",
	"sketch", "ski", "skill", "skin", "skirt", "skull", "slab", "slam",
	"sleep", "slender", "slice", "slide", "slight", "slim", "slogan",
	"slot", "slow", "slush", "small", "smart", "smile", "smoke", "smooth",
	"snack", "snake", "snap", "sniff", "snow", "soap", "soccer", "social",
	"sock", "soda", "soft", "solar", "soldier", "solid", "solution",
	"solve", "someone", "song", "soon", "sorry", "sort", "soul", "sound",
	"soup", "source", "south", "space", "spare", "spatial", "spawn",
	"speak", "special", "speed", "spell", "spend", "sphere", "spice",
	"spider", "spike", "spin", "spirit", "split", "spoil", "sponsor",
	"spoon", "sport", "spot", "spray", "spread", "spring", "spy", "square",
	"squeeze", "squirrel", "stable", "stadium", "staff", "stage", "stairs",
	"stamp", "stand", "start", "state", "stay", "steak", "steel", "stem",
	"step", "stereo", "stick", "still", "sting", "stock", "stomach",
	"stone", "stool", "story", "stove", "strategy", "street", "strike",
	"strong", "struggle", "student", "stuff", "stumble", "style", "subject",
	"submit", "subway", "success", "such", "sudden", "suffer", "sugar",
	"suggest", "suit", "summer", "sun", "sunny", "sunset", "super",
	"supply", "supreme", "sure", "surface", "surge", "surprise", "surround",
	"survey", "suspect", "sustain", "swallow", "swamp", "swap", "swarm",
	"swear", "sweet", "swift", "swim", "swing", "switch", "sword", "symbol",
	"symptom", "syrup", "system", "table", "tackle", "tag", "tail",
	"talent", "talk", "tank", "tape", "target", "task", "taste", "tattoo",
	"taxi", "teach", "team", "tell", "ten", "tenant", "tennis", "tent",
	"term", "test", "text", "thank", "that", "theme", "then", "theory",
	"there", "they", "thing", "this", "thought", "three", "thrive", "throw",
	"thumb", "thunder", "ticket", "tide", "tiger", "tilt", "timber", "time",
	"tiny", "tip", "tired", "tissue", "title", "toast", "tobacco", "today",
	"toddler", "toe", "together", "toilet", "token", "tomato", "tomorrow",
	"tone", "tongue", "tonight", "tool", "tooth", "top", "topic", "topple",
	"torch", "tornado", "tortoise", "toss", "total", "tourist", "toward",
	"tower", "town", "toy", "track", "trade", "traffic", "tragic", "train",
	"transfer", "trap", "trash", "travel", "tray", "treat", "tree", "trend",
	"trial", "tribe", "trick", "trigger", "trim", "trip", "trophy",
	"trouble", "truck", "true", "truly", "trumpet", "trust", "truth", "try",
	"tube", "tuition", "tumble", "tuna", "tunnel", "turkey", "turn",
	"turtle", "twelve", "twenty", "twice", "twin", "twist", "two", "type",
	"typical", "ugly", "umbrella", "unable", "unaware", "uncle", "uncover",
	"under", "undo", "unfair", "unfold", "unhappy", "uniform", "unique",
	"unit", "universe", "unknown", "unlock", "until", "unusual", "unveil",
	"update", "upgrade", "uphold", "upon", "upper", "upset", "urban",
	"urge", "usage", "use", "used", "useful", "useless", "usual", "utility",
	"vacant", "vacuum", "vague", "valid", "valley", "valve", "van",
	"vanish", "vapor", "various", "vast", "vault", "vehicle", "velvet",
	"vendor", "venture", "venue", "verb", "verify", "version", "very",
	"vessel", "veteran", "viable", "vibrant", "vicious", "victory", "video",
	"view", "village", "vintage", "violin", "virtual", "virus", "visa",
	"visit", "visual", "vital", "vivid", "vocal", "voice", "void",
	"volcano", "volume", "vote", "voyage", "wage", "wagon", "wait", "walk",
	"wall", "walnut", "want", "warfare", "warm", "warrior", "wash", "wasp",
	"waste", "water", "wave", "way", "wealth", "weapon", "wear", "weasel",
	"weather", "web", "wedding", "weekend", "weird", "welcome", "west",
	"wet", "whale", "what", "wheat", "wheel", "when", "where", "whip",
	"whisper", "wide", "width", "wife", "wild", "will", "win", "window",
	"wine", "wing", "wink", "winner", "winter", "wire", "wisdom", "wise",
	"wish", "witness", "wolf", "woman", "wonder", "wood", "wool", "word",
	"work", "world", "worry", "worth", "wrap", "wreck", "wrestle", "wrist",
	"write", "wrong", "yard", "year", "yellow", "you", "young", "youth",
	"zebra", "zero", "zone", "zoo",
};

static void set_cause(char **cause, const char *fmt, ...) PRINTFLIKE(2, 3);

/* Messages are optional: every caller may pass a NULL cause. */
static void
set_cause(char **cause, const char *fmt, ...)
{
	va_list ap;

	if (cause == NULL)
		return;
	va_start(ap, fmt);
	xvasprintf(cause, fmt, ap);
	va_end(ap);
}

/* Names a byte for a message: 'x' when printable, else its hex value. */
static const char *
byte_name(char buf[16], unsigned char c)
{
	if (c >= 0x20 && c < 0x7f)
		snprintf(buf, 16, "'%c'", c);
	else
		snprintf(buf, 16, "byte 0x%02x", c);
	return buf;
}

/* Messages quote at most QUOTE_MAX bytes of input; these give the precision
 * for "%.*s" and the ellipsis after it. */
static int
quote_len(size_t len)
{
	return (int)(len < QUOTE_MAX ? len : QUOTE_MAX);
}

static const char *
quote_more(size_t len)
{
	return len > QUOTE_MAX ? "..." : "";
}

const char *
hdwallet_word(unsigned index)
{
	return index < HDWALLET_WORDS ? wordlist[index] : NULL;
}

/* Binary search of the sorted list for the len bytes at w.  Its timing
 * depends on the word; dev mnemonics are public, so that is no leak here. */
static int
word_index(const char *w, size_t len)
{
	size_t lo = 0, hi = HDWALLET_WORDS;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(wordlist[mid], w, len);

		/* A list word that w is a prefix of sorts after w. */
		if (c == 0 && wordlist[mid][len] != '\0')
			c = 1;
		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

struct words {
	size_t n; /* words seen, counting those past WORDS_MAX */
	const char *word[WORDS_MAX];
	size_t len[WORDS_MAX];
};

/* Splits s at single spaces into words of lowercase ASCII letters.  An
 * empty s has no words, so that the word count reports it. */
static int
split_words(struct words *ws, char **cause, const char *s)
{
	const char *start = s;
	char name[16];
	int rc = -EINVAL;

	ws->n = 0;
	if (*s == '\0') {
		rc = 0;
		goto out;
	}
	for (const char *p = s;; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == ' ' || c == '\0') {
			if (p == start) {
				set_cause(cause, "empty word at offset %zu of the mnemonic: separate words "
				    "with single spaces", (size_t)(p - s));
				goto out;
			}
			if (ws->n < WORDS_MAX) {
				ws->word[ws->n] = start;
				ws->len[ws->n] = (size_t)(p - start);
			}
			ws->n++;
			if (c == '\0')
				break;
			start = p + 1;
		} else if (c >= 0x80) {
			set_cause(cause, "non-ASCII byte at offset %zu of the mnemonic: only English "
			    "mnemonics in ASCII are supported (no NFKD normalisation)", (size_t)(p - s));
			goto out;
		} else if (c < 'a' || c > 'z') {
			set_cause(cause, "unexpected %s at offset %zu of the mnemonic: words are "
			    "lowercase letters separated by single spaces", byte_name(name, c),
			    (size_t)(p - s));
			goto out;
		}
	}
	rc = 0;
out:
	return rc;
}

/* Reports word number pos (from 1), with a close word from the list when
 * there is one. */
static void
unknown_word(char **cause, size_t pos, const char *w, size_t len)
{
	char buf[QUOTE_MAX + 1];
	const char *close = NULL;

	if (len <= QUOTE_MAX) {
		memcpy(buf, w, len);
		buf[len] = '\0';
		close = suggest_closest(buf, wordlist, HDWALLET_WORDS);
	}
	if (close != NULL)
		set_cause(cause, "word %zu of the mnemonic, '%.*s', is not in the BIP-39 English "
		    "word list; did you mean '%s'?", pos, quote_len(len), w, close);
	else
		set_cause(cause, "word %zu of the mnemonic, '%.*s%s', is not in the BIP-39 English "
		    "word list", pos, quote_len(len), w, quote_more(len));
}

/* Each word is 11 bits, most significant first.  n words carry 32n/3 bits
 * of entropy (a whole number of bytes), then n/3 checksum bits: the first
 * bits of SHA-256(entropy). */
int
hdwallet_mnemonic_entropy(uint8_t entropy[HDWALLET_ENTROPY_MAX], size_t *len, char **cause,
    const char *mnemonic)
{
	struct words ws;
	uint8_t bits[HDWALLET_ENTROPY_MAX + 1], hash[SHA256_DIGEST_LENGTH];
	size_t pos = 0, ent_len, cs_bits;
	int rc;

	memset(bits, 0, sizeof bits);
	memset(hash, 0, sizeof hash);
	rc = split_words(&ws, cause, mnemonic);
	if (rc != 0)
		goto out;
	if (ws.n < 12 || ws.n > WORDS_MAX || ws.n % 3 != 0) {
		set_cause(cause, "a mnemonic has 12, 15, 18, 21 or 24 words, not %zu", ws.n);
		rc = -EINVAL;
		goto out;
	}
	for (size_t i = 0; i < ws.n; i++) {
		int v = word_index(ws.word[i], ws.len[i]);

		if (v < 0) {
			unknown_word(cause, i + 1, ws.word[i], ws.len[i]);
			rc = -ENOENT;
			goto out;
		}
		for (int b = WORD_BITS - 1; b >= 0; b--, pos++)
			if ((v >> b) & 1)
				bits[pos / 8] |= (uint8_t)(0x80u >> (pos % 8));
	}
	ent_len = ws.n * 4 / 3;
	cs_bits = ws.n / 3;
	SHA256(bits, ent_len, hash);
	if (((bits[ent_len] ^ hash[0]) >> (8 - cs_bits)) != 0) {
		set_cause(cause, "the mnemonic's checksum does not match: a word is wrong, "
		    "missing or out of place");
		rc = -EBADMSG;
		goto out;
	}
	memcpy(entropy, bits, ent_len);
	*len = ent_len;
out:
	if (rc != 0) {
		explicit_bzero(entropy, HDWALLET_ENTROPY_MAX);
		*len = 0;
	}
	explicit_bzero(bits, sizeof bits);
	explicit_bzero(hash, sizeof hash);
	return rc;
}

/* The entropy is a secret the caller does not want, so it is wiped. */
int
hdwallet_mnemonic_check(char **cause, const char *mnemonic)
{
	uint8_t entropy[HDWALLET_ENTROPY_MAX];
	size_t len;
	int rc;

	rc = hdwallet_mnemonic_entropy(entropy, &len, cause, mnemonic);
	explicit_bzero(entropy, sizeof entropy);
	return rc;
}

/* The mnemonic passed the check, so it is ASCII and at most 24 words of 8
 * letters: its length fits PBKDF2's int. */
int
hdwallet_seed(uint8_t seed[HDWALLET_SEED_LEN], char **cause, const char *mnemonic,
    const char *passphrase)
{
	uint8_t salt[sizeof SALT_PREFIX - 1 + HDWALLET_PASSPHRASE_MAX];
	size_t prefix = sizeof SALT_PREFIX - 1, plen = 0;
	int rc;

	memset(salt, 0, sizeof salt);
	rc = hdwallet_mnemonic_check(cause, mnemonic);
	if (rc != 0)
		goto out;
	if (passphrase == NULL)
		passphrase = "";
	rc = -EINVAL;
	plen = strnlen(passphrase, HDWALLET_PASSPHRASE_MAX + 1);
	if (plen > HDWALLET_PASSPHRASE_MAX) {
		set_cause(cause, "the passphrase is longer than %d bytes", HDWALLET_PASSPHRASE_MAX);
		goto out;
	}
	for (size_t i = 0; i < plen; i++) {
		if ((unsigned char)passphrase[i] >= 0x80) {
			set_cause(cause, "non-ASCII byte at offset %zu of the passphrase: only ASCII "
			    "passphrases are supported (no NFKD normalisation)", i);
			goto out;
		}
	}
	memcpy(salt, SALT_PREFIX, prefix);
	memcpy(salt + prefix, passphrase, plen);
	if (!PKCS5_PBKDF2_HMAC(mnemonic, (int)strlen(mnemonic), salt, (int)(prefix + plen),
		PBKDF2_ROUNDS, EVP_sha512(), HDWALLET_SEED_LEN, seed)) {
		set_cause(cause, "libcrypto failed to compute PBKDF2-HMAC-SHA512");
		rc = -ENOMEM;
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(salt, sizeof salt);
	if (rc != 0)
		explicit_bzero(seed, HDWALLET_SEED_LEN);
	return rc;
}

/* BIP-32: I = HMAC-SHA512("Bitcoin seed", seed); the key is the left half
 * and the chain code the right half. */
int
hdwallet_master(struct hdwallet_key *master, const uint8_t *seed, size_t seed_len)
{
	uint8_t mac[64];
	unsigned int mac_len = 0;
	int rc = -EINVAL;

	memset(mac, 0, sizeof mac);
	if (seed_len < 16 || seed_len > 64)
		goto out;
	rc = -ENOMEM;
	if (HMAC(EVP_sha512(), MASTER_HMAC_KEY, (int)strlen(MASTER_HMAC_KEY), seed, seed_len, mac,
		&mac_len) == NULL || mac_len != sizeof mac)
		goto out;
	rc = -ERANGE;
	if (!secp_is_seckey(mac))
		goto out;
	memcpy(master->key, mac, 32);
	memcpy(master->chain_code, mac + 32, 32);
	rc = 0;
out:
	explicit_bzero(mac, sizeof mac);
	if (rc != 0)
		hdwallet_key_release(master);
	return rc;
}

/* BIP-32 CKDpriv: I = HMAC-SHA512(parent chain code, data), where data is
 * 0x00 || parent key || index for a hardened child and the compressed
 * parent public key || index for a normal one; the child key is the left
 * half of I plus the parent key, and its chain code the right half.
 * Everything is computed in locals first, so that child may be parent. */
int
hdwallet_child(const struct secp *ctx, struct hdwallet_key *child,
    const struct hdwallet_key *parent, uint32_t index)
{
	uint8_t data[37], mac[64], key[32];
	unsigned int mac_len = 0;
	int rc = -EINVAL;

	memset(data, 0, sizeof data);
	memset(mac, 0, sizeof mac);
	memcpy(key, parent->key, sizeof key);
	if (!secp_is_seckey(key))
		goto out;
	if (index & HDWALLET_HARDENED) {
		data[0] = 0;
		memcpy(data + 1, key, 32);
	} else if (secp_pubkey_compressed(ctx, data, key) != 0) {
		goto out;
	}
	data[33] = (uint8_t)(index >> 24);
	data[34] = (uint8_t)(index >> 16);
	data[35] = (uint8_t)(index >> 8);
	data[36] = (uint8_t)index;
	rc = -ENOMEM;
	if (HMAC(EVP_sha512(), parent->chain_code, sizeof parent->chain_code, data, sizeof data,
		mac, &mac_len) == NULL || mac_len != sizeof mac)
		goto out;
	/* The sum fails when the left half is not below the group order, or
	 * when it is the negation of the parent key. */
	rc = -ERANGE;
	if (secp_seckey_tweak_add(ctx, key, mac) != 0)
		goto out;
	memcpy(child->key, key, sizeof key);
	memcpy(child->chain_code, mac + 32, 32);
	rc = 0;
out:
	explicit_bzero(data, sizeof data);
	explicit_bzero(mac, sizeof mac);
	explicit_bzero(key, sizeof key);
	if (rc != 0 && child != parent)
		hdwallet_key_release(child);
	return rc;
}

/* Parses the len bytes at s, which need no NUL there, so that a trailing
 * "/" can be left out without a copy.  An index saturates at 2^31 while
 * its digits are read, which keeps the arithmetic from overflowing. */
static int
parse_path(struct hdwallet_path *path, char **cause, const char *s, size_t len)
{
	char name[16];
	size_t i = 1;
	int rc = -EINVAL;

	path->depth = 0;
	if (len == 0 || s[0] != 'm') {
		set_cause(cause, "path '%.*s%s' does not start with 'm'", quote_len(len), s,
		    quote_more(len));
		goto out;
	}
	while (i < len) {
		uint64_t v = 0;
		size_t start;

		if (s[i] != '/') {
			set_cause(cause, "unexpected %s at offset %zu of path '%.*s%s': expected '/'",
			    byte_name(name, (unsigned char)s[i]), i, quote_len(len), s, quote_more(len));
			goto out;
		}
		start = ++i;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			if (v < HDWALLET_HARDENED)
				v = v * 10 + (uint64_t)(s[i] - '0');
		if (i == start) {
			if (i == len || s[i] == '/')
				set_cause(cause, "empty index at offset %zu of path '%.*s%s'", i,
				    quote_len(len), s, quote_more(len));
			else
				set_cause(cause, "unexpected %s at offset %zu of path '%.*s%s': expected "
				    "a digit", byte_name(name, (unsigned char)s[i]), i, quote_len(len), s,
				    quote_more(len));
			goto out;
		}
		if (v >= HDWALLET_HARDENED) {
			set_cause(cause, "index %.*s in path '%.*s%s' is out of range: indexes go up to "
			    "2147483647, and a ' after one makes it hardened", quote_len(i - start),
			    s + start, quote_len(len), s, quote_more(len));
			rc = -ERANGE;
			goto out;
		}
		if (i < len && (s[i] == '\'' || s[i] == 'h' || s[i] == 'H')) {
			v |= HDWALLET_HARDENED;
			i++;
		}
		if (path->depth == HDWALLET_PATH_MAX) {
			set_cause(cause, "path '%.*s%s' is deeper than %d levels", quote_len(len), s,
			    quote_more(len), HDWALLET_PATH_MAX);
			rc = -E2BIG;
			goto out;
		}
		path->index[path->depth++] = (uint32_t)v;
	}
	rc = 0;
out:
	return rc;
}

int
hdwallet_path_parse(struct hdwallet_path *path, char **cause, const char *s)
{
	return parse_path(path, cause, s, strlen(s));
}

/* Works on a local copy, so that out may be master. */
int
hdwallet_derive(const struct secp *ctx, struct hdwallet_key *out,
    const struct hdwallet_key *master, const struct hdwallet_path *path)
{
	struct hdwallet_key k = *master;
	int rc = 0;

	for (size_t i = 0; i < path->depth && rc == 0; i++)
		rc = hdwallet_child(ctx, &k, &k, path->index[i]);
	if (rc == 0)
		*out = k;
	else
		hdwallet_key_release(out);
	hdwallet_key_release(&k);
	return rc;
}

/* Explains a failed derivation step of hdwallet_derive() or
 * hdwallet_child() on a valid parent. */
static void
derive_error(char **cause, const char *what, unsigned long n, int rc)
{
	if (rc == -ERANGE)
		set_cause(cause, "cannot derive %s %lu: BIP-32 gives no valid key there (odds "
		    "about 2^-127)", what, n);
	else
		set_cause(cause, "cannot derive %s %lu: libcrypto failed to compute HMAC-SHA512",
		    what, n);
}

/* The seed and the account-level parent key are computed once for all n
 * accounts. */
int
hdwallet_accounts(const struct secp *ctx, struct hdwallet_account *accts, size_t n,
    char **cause, const char *mnemonic, const char *passphrase, const char *path,
    uint32_t first)
{
	struct hdwallet_path p;
	struct hdwallet_key master, parent, child;
	uint8_t seed[HDWALLET_SEED_LEN], pub[64];
	size_t plen;
	int rc;

	memset(&master, 0, sizeof master);
	memset(&parent, 0, sizeof parent);
	memset(&child, 0, sizeof child);
	memset(seed, 0, sizeof seed);
	if (path == NULL)
		path = HDWALLET_ETH_PATH;
	plen = strlen(path);
	if (plen > 1 && path[plen - 1] == '/')
		plen--;
	rc = parse_path(&p, cause, path, plen);
	if (rc != 0)
		goto out;
	if (p.depth == HDWALLET_PATH_MAX) {
		set_cause(cause, "path '%.*s%s' leaves no level for the account index: it may have "
		    "at most %d levels", quote_len(plen), path, quote_more(plen),
		    HDWALLET_PATH_MAX - 1);
		rc = -E2BIG;
		goto out;
	}
	if (n > 0 && (first >= HDWALLET_HARDENED || n - 1 > HDWALLET_HARDENED - 1 - first)) {
		/* The first index out of range: first itself, or 2^31. */
		unsigned long bad = first >= HDWALLET_HARDENED ? first : HDWALLET_HARDENED;

		set_cause(cause, "account index %lu is out of range: the last index that is not "
		    "hardened is 2147483647", bad);
		rc = -ERANGE;
		goto out;
	}
	rc = hdwallet_seed(seed, cause, mnemonic, passphrase);
	if (rc != 0)
		goto out;
	rc = hdwallet_master(&master, seed, sizeof seed);
	if (rc != 0) {
		if (rc == -ERANGE)
			set_cause(cause, "the mnemonic gives an invalid BIP-32 master key (odds "
			    "about 2^-127)");
		else
			set_cause(cause, "libcrypto failed to compute HMAC-SHA512");
		goto out;
	}
	parent = master;
	for (size_t i = 0; i < p.depth; i++) {
		rc = hdwallet_child(ctx, &parent, &parent, p.index[i]);
		if (rc != 0) {
			derive_error(cause, "path level", (unsigned long)i + 1, rc);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t index = first + (uint32_t)i;

		rc = hdwallet_child(ctx, &child, &parent, index);
		if (rc != 0) {
			derive_error(cause, "account", index, rc);
			goto out;
		}
		memcpy(accts[i].key, child.key, sizeof accts[i].key);
		if (secp_pubkey(ctx, pub, child.key) != 0)
			BUG("a derived key is not a valid secret key");
		secp_address(accts[i].addr, pub);
		eip55_format(accts[i].addr_hex, accts[i].addr);
	}
	rc = 0;
out:
	explicit_bzero(seed, sizeof seed);
	hdwallet_key_release(&master);
	hdwallet_key_release(&parent);
	hdwallet_key_release(&child);
	if (rc != 0)
		for (size_t i = 0; i < n; i++)
			hdwallet_account_release(&accts[i]);
	return rc;
}

int
hdwallet_account(const struct secp *ctx, struct hdwallet_account *acct, char **cause,
    const char *mnemonic, uint32_t index)
{
	return hdwallet_accounts(ctx, acct, 1, cause, mnemonic, NULL, NULL, index);
}

void
hdwallet_key_release(struct hdwallet_key *key)
{
	if (key != NULL)
		explicit_bzero(key, sizeof *key);
}

void
hdwallet_account_release(struct hdwallet_account *acct)
{
	if (acct != NULL)
		explicit_bzero(acct, sizeof *acct);
}
