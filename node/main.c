/* chainbox-node: an Ethereum dev chain that ethers, viem, cast and Hardhat
 * use as they use anvil, with anvil's defaults: dev accounts from the test
 * mnemonic, chain id 31337, a block per transaction.  It prints a banner
 * and then one line, "Listening on HOST:PORT", that scripts wait for.
 *
 * Exit status: 0 after SIGINT or SIGTERM, 1 when the node cannot start
 * (or cannot write its --dump-state file on the way out), 2 for wrong
 * usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <stdarg.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain/chain.h"
#include "consensus/engine.h"
#include "hdwallet.h"
#include "hex.h"
#include "log.h"
#include "nodeconf.h"
#include "nodectl.h"
#include "rpc/anvil.h"
#include "rpc/dispatch.h"
#include "rpc/eth.h"
#include "rpc/server.h"
#include "secp.h"
#include "snapctl.h"
#include "units.h"
#include "xalloc.h"

#define EXIT_USAGE 2
#define DEFAULT_MNEMONIC "test test test test test test test test test test test junk"
#define DEFAULT_PORT 8545
#define MAX_ACCOUNTS 10000
#define MIN_GAS_LIMIT 21000

/* Arachnid's deterministic deployment proxy, which anvil puts in every
 * genesis: forge scripts deploy through it with CREATE2. */
#define CREATE2_DEPLOYER_ADDRESS "4e59b44847b379578588920ca78fbf26c0b4956c"
#define CREATE2_DEPLOYER_CODE                                                   \
	"7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe036" \
	"01600081602082378035828234f58015156039578182fd5b808252505050601460" \
	"0cf3"

/* anvil's state files: --load-state, --dump-state (--state is both) and
 * --state-interval. */
struct state_files {
	const char *load; /* NULL: none */
	bool load_if_present; /* --state's: no file yet is a fresh start */
	const char *dump; /* NULL: none */
	uint64_t interval; /* seconds between dumps; 0: on exit only */
	const struct chain *chain; /* what is dumped, once it exists */
};

struct options {
	bool dev;
	const char *config;
	const char *host;
	uint16_t port;
	size_t accounts;
	struct u256 balance;
	const char *mnemonic;
	uint64_t chain_id;
	uint64_t gas_limit;
	struct u256 base_fee;
	bool no_mining;
	uint64_t block_time_ms; /* 0: automine */
	const char *data_dir; /* NULL: in memory */
	struct state_files state;
};

/* What the node runs with, from the command line (--dev) or a node config
 * (--config). */
struct setup {
	struct chain_config cfg;
	struct chain_alloc *alloc; /* --dev's; a config's is in nc */
	struct node_config nc;
	const char *host;
	uint16_t port;
	bool rpc;
	const char *mnemonic; /* NULL: no dev accounts */
	size_t accounts;
	uint64_t block_time_ms;
	bool empty_blocks;
	bool tbft; /* consensus between nodes makes the blocks */
};

static const char usage_text[] =
	"usage: chainbox-node --dev [OPTIONS]\n"
	"       chainbox-node --config FILE\n"
	"\n"
	"Runs an Ethereum dev chain that answers JSON-RPC as anvil does, so that\n"
	"ethers, viem, cast and Hardhat use it unchanged.\n"
	"\n"
	"Options:\n"
	"  --dev                  run a single dev node\n"
	"  -p, --port N           the port to listen on (default 8545; 0 picks a free one)\n"
	"      --host ADDR        the address to listen on (default 127.0.0.1)\n"
	"  -a, --accounts N       how many dev accounts to fund (default 10)\n"
	"      --balance ETH      each dev account's balance in ether (default 10000)\n"
	"  -m, --mnemonic WORDS   the BIP-39 mnemonic of the dev accounts\n"
	"                         (default \"" DEFAULT_MNEMONIC "\")\n"
	"      --chain-id N       the chain id (default 31337)\n"
	"      --block-gas-limit N, --gas-limit N\n"
	"                         every block's gas limit (default 30000000)\n"
	"      --base-fee WEI     the genesis block's base fee (default 1000000000)\n"
	"  -b, --block-time SECS  mine a block every SECS seconds (fractions allowed)\n"
	"                         rather than one for every transaction\n"
	"      --no-mining        mine only on evm_mine or anvil_mine, not for every\n"
	"                         transaction\n"
	"      --data-dir DIR     keep the chain in DIR (LMDB), so that a restarted\n"
	"                         node, even after kill -9, carries on where it was\n"
	"      --memory           keep everything in memory (the default for --dev,\n"
	"                         as anvil does)\n"
	"      --load-state PATH  start from the state in PATH (PATH/state.json for a\n"
	"                         directory), as --dump-state or anvil writes it\n"
	"      --dump-state PATH  write the state to PATH (PATH/state.json for a\n"
	"                         directory) on exit, as JSON in anvil's format\n"
	"  -s, --state-interval SECS\n"
	"                         also write it every SECS seconds\n"
	"      --state PATH       --load-state PATH if it exists, and --dump-state PATH\n"
	"      --config FILE      run one node of a chainbox network, as node.conf\n"
	"                         FILE says (see chainbox-node(1))\n"
	"  -h, --help             show this help\n"
	"\n"
	"The node prints its accounts, then \"Listening on HOST:PORT\", and runs until\n"
	"SIGINT or SIGTERM.\n";

/* Reports wrong usage.  Returns: EXIT_USAGE. */
static int PRINTFLIKE(1, 2)
usage_error(const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	msg_error("%s", msg);
	fprintf(stderr, "See 'chainbox-node --help'.\n");
	free(msg);
	return EXIT_USAGE;
}

/* Parses a whole number for option name, at most max.
 * Returns: 0, or EXIT_USAGE after saying why. */
static int
parse_number(uint64_t *v, const char *name, const char *arg, uint64_t min, uint64_t max)
{
	if (units_parse_u64(v, arg) != 0 || *v < min || *v > max)
		return usage_error("option '--%s' expects a number from %llu to %llu, got '%s'",
				   name, (unsigned long long)min, (unsigned long long)max, arg);
	return 0;
}

/* Returns: whether s is a numeric IPv4 or IPv6 address, as anvil's --host
 * takes; a name would go through a resolver the node need not trust. */
static bool
is_ip_address(const char *s)
{
	struct in6_addr a6;
	struct in_addr a4;

	return inet_pton(AF_INET, s, &a4) == 1 || inet_pton(AF_INET6, s, &a6) == 1;
}

/* Parses the command line.  Returns: 0 to run, -1 after --help, or
 * EXIT_USAGE. */
static int
parse_options(struct options *o, int argc, char **argv)
{
	enum { OPT_HOST = 256, OPT_BALANCE, OPT_CHAIN_ID, OPT_GAS_LIMIT, OPT_BASE_FEE,
	       OPT_NO_MINING, OPT_CONFIG, OPT_DEV, OPT_DATA_DIR, OPT_MEMORY, OPT_LOAD_STATE,
	       OPT_DUMP_STATE, OPT_STATE };
	double secs;
	char *end;
	static const struct option longopts[] = {
		{ "dev", no_argument, NULL, OPT_DEV },
		{ "port", required_argument, NULL, 'p' },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "accounts", required_argument, NULL, 'a' },
		{ "balance", required_argument, NULL, OPT_BALANCE },
		{ "mnemonic", required_argument, NULL, 'm' },
		{ "chain-id", required_argument, NULL, OPT_CHAIN_ID },
		{ "block-gas-limit", required_argument, NULL, OPT_GAS_LIMIT },
		{ "gas-limit", required_argument, NULL, OPT_GAS_LIMIT },
		{ "base-fee", required_argument, NULL, OPT_BASE_FEE },
		{ "no-mining", no_argument, NULL, OPT_NO_MINING },
		{ "block-time", required_argument, NULL, 'b' },
		{ "data-dir", required_argument, NULL, OPT_DATA_DIR },
		{ "memory", no_argument, NULL, OPT_MEMORY },
		{ "load-state", required_argument, NULL, OPT_LOAD_STATE },
		{ "dump-state", required_argument, NULL, OPT_DUMP_STATE },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "state-interval", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	char *cause = NULL, *text;
	const char *state = NULL;
	int c, rc;

	memset(o, 0, sizeof(*o));
	o->host = "127.0.0.1";
	o->port = DEFAULT_PORT;
	o->accounts = 10;
	o->balance = u256_from_u64(10000);
	u256_mul_u64(&o->balance, &o->balance, 1000000000000000000ULL);
	o->mnemonic = DEFAULT_MNEMONIC;
	o->chain_id = 31337;
	o->gas_limit = 30000000;
	o->base_fee = u256_from_u64(1000000000);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:a:m:b:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DEV:
			o->dev = true;
			break;
		case 'p':
			if ((rc = parse_number(&v, "port", optarg, 0, UINT16_MAX)) != 0)
				return rc;
			o->port = (uint16_t)v;
			break;
		case OPT_HOST:
			if (!is_ip_address(optarg))
				return usage_error("option '--host' expects an IP address like "
						   "127.0.0.1 or ::1, got '%s'", optarg);
			o->host = optarg;
			break;
		case 'a':
			if ((rc = parse_number(&v, "accounts", optarg, 0, MAX_ACCOUNTS)) != 0)
				return rc;
			o->accounts = (size_t)v;
			break;
		case OPT_BALANCE:
			/* anvil's --balance is in ether; a unit may be given. */
			xasprintf(&text, "%s%s", optarg,
				  strspn(optarg, "0123456789.") == strlen(optarg) ? " ether" : "");
			rc = units_parse_amount(&o->balance, text);
			free(text);
			if (rc != 0)
				return usage_error("option '--balance' expects an amount of ether "
						   "like 10000 or 0.5, got '%s'", optarg);
			break;
		case 'm':
			if (hdwallet_mnemonic_check(&cause, optarg) != 0) {
				rc = usage_error("option '--mnemonic': %s", cause);
				free(cause);
				return rc;
			}
			o->mnemonic = optarg;
			break;
		case OPT_CHAIN_ID:
			if ((rc = parse_number(&v, "chain-id", optarg, 1, UINT64_MAX / 2 - 36)) != 0)
				return rc;
			o->chain_id = v;
			break;
		case OPT_GAS_LIMIT:
			if ((rc = parse_number(&v, "block-gas-limit", optarg, MIN_GAS_LIMIT,
					       INT64_MAX)) != 0)
				return rc;
			o->gas_limit = v;
			break;
		case OPT_BASE_FEE:
			if (units_parse_amount(&o->base_fee, optarg) != 0 ||
			    !u256_fits_u64(&o->base_fee))
				return usage_error("option '--base-fee' expects an amount in wei, "
						   "got '%s'", optarg);
			break;
		case OPT_NO_MINING:
			o->no_mining = true;
			break;
		case 'b':
			errno = 0;
			secs = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' || !(secs >= 0.001) ||
			    secs > 86400)
				return usage_error("option '--block-time' expects seconds from "
						   "0.001 to 86400, got '%s'", optarg);
			o->block_time_ms = (uint64_t)(secs * 1000 + 0.5);
			break;
		case OPT_CONFIG:
			o->config = optarg;
			break;
		case OPT_DATA_DIR:
			o->data_dir = optarg;
			break;
		case OPT_MEMORY:
			o->data_dir = NULL;
			break;
		case OPT_LOAD_STATE:
			o->state.load = optarg;
			break;
		case OPT_DUMP_STATE:
			o->state.dump = optarg;
			break;
		case OPT_STATE:
			state = optarg;
			break;
		case 's':
			if ((rc = parse_number(&o->state.interval, "state-interval", optarg, 1,
					       UINT32_MAX)) != 0)
				return rc;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt != 0)
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (o->config != NULL && o->dev)
		return usage_error("--config and --dev cannot be used together");
	if (o->config == NULL && !o->dev)
		return usage_error("say --dev to run a dev node");
	if (state != NULL && (o->state.load != NULL || o->state.dump != NULL))
		return usage_error("--state cannot be used with --load-state or --dump-state");
	if (state != NULL) {
		o->state.load = o->state.dump = state;
		o->state.load_if_present = true;
	}
	/* A network node's chain lives in its store, and is its network's. */
	if (o->config != NULL &&
	    (o->state.load != NULL || o->state.dump != NULL || o->state.interval > 0))
		return usage_error("--load-state, --dump-state, --state and --state-interval "
				   "are for dev nodes, not --config");
	if (o->state.interval > 0 && o->state.dump == NULL)
		return usage_error("--state-interval needs --dump-state or --state");
	return 0;
}

/* Prints what anvil prints at start: accounts, keys, wallet and chain. */
static void
print_banner(const struct options *o, const struct hdwallet_account *accts, uint64_t timestamp)
{
	char ether[UNITS_ETHER_MAX], hexkey[65], dec[U256_DEC_MAX];

	printf("\nchainbox-node %s, an anvil-compatible dev chain\n\n", PACKAGE_VERSION);
	units_format_ether(ether, &o->balance);
	printf("Available Accounts\n==================\n\n");
	for (size_t i = 0; i < o->accounts; i++)
		printf("(%zu) %s (%s ETH)\n", i, accts[i].addr_hex, ether);
	printf("\nPrivate Keys\n==================\n\n");
	for (size_t i = 0; i < o->accounts; i++) {
		hex_encode(hexkey, accts[i].key, sizeof accts[i].key);
		printf("(%zu) 0x%s\n", i, hexkey);
	}
	explicit_bzero(hexkey, sizeof hexkey);
	printf("\nWallet\n==================\n");
	printf("Mnemonic:          %s\n", o->mnemonic);
	printf("Derivation path:   %s/\n\n", HDWALLET_ETH_PATH);
	u256_to_dec(dec, &o->base_fee);
	printf("\nChain ID\n==================\n\n%llu\n", (unsigned long long)o->chain_id);
	printf("\nBase Fee\n==================\n\n%s\n", dec);
	printf("\nGas Limit\n==================\n\n%llu\n", (unsigned long long)o->gas_limit);
	printf("\nGenesis Timestamp\n==================\n\n%llu\n\n",
	       (unsigned long long)timestamp);
}

/* libevent's own warnings go where every other line goes. */
static void
on_event_log(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_WARN)
		log_warn("libevent: %s", msg);
}

/* SIGINT and SIGTERM end the loop, and main() cleans up. */
static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;

	log_info("%s: caught signal %d, stopping", __func__, (int)sig);
	event_base_loopbreak(base);
}

/* Interval mining: a block every block_time_ms, or only when transactions
 * wait when empty blocks are off. */
struct miner {
	struct chain *chain;
	bool empty_blocks;
};

static void
on_block_timer(evutil_socket_t fd, short what, void *arg)
{
	struct miner *m = arg;
	int rc;

	if (!m->empty_blocks && chain_pending(m->chain) == 0)
		return;
	rc = chain_mine(m->chain, 0);
	if (rc != 0)
		log_warn("cannot mine a block: %s", chain_store_error(m->chain) != NULL
			 ? chain_store_error(m->chain) : strerror(-rc));
}

/* --load-state and --state: starts the chain from a state file.
 * Returns: 0, or -1 after saying why. */
static int
state_files_load(struct chain *chain, const struct state_files *sf)
{
	char *cause = NULL;
	int rc = anvil_state_load_file(chain, &cause, sf->load);

	if (rc == -ENOENT && sf->load_if_present)
		rc = 0;
	if (rc != 0)
		msg_error("%s", cause);
	free(cause);
	return rc != 0 ? -1 : 0;
}

/* --dump-state: writes the state file.  Returns: 0, or -1 after saying
 * why. */
static int
state_files_dump(const struct state_files *sf)
{
	char *cause = NULL;
	int rc = anvil_state_dump_file(sf->chain, &cause, sf->dump);

	if (rc != 0)
		msg_error("%s", cause);
	free(cause);
	return rc != 0 ? -1 : 0;
}

/* --state-interval: a failed dump is said, and the node runs on. */
static void
on_state_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)state_files_dump(arg);
}

/* Fills su from --dev's options: the dev accounts funded, and the CREATE2
 * deployer, as anvil's genesis has them.  Returns: 0 or -1. */
static int
setup_dev(struct setup *su, const struct options *o, const struct hdwallet_account *accts)
{
	static uint8_t deployer_code[sizeof(CREATE2_DEPLOYER_CODE) / 2];
	size_t code_len = sizeof deployer_code, addr_len = 20;
	struct chain_config *cfg = &su->cfg;
	char *cause = NULL;

	su->alloc = xcalloc(o->accounts + 1, sizeof(*su->alloc));
	for (size_t i = 0; i < o->accounts; i++) {
		memcpy(su->alloc[i].address, accts[i].addr, 20);
		su->alloc[i].balance = o->balance;
	}
	if (hex_decode(su->alloc[o->accounts].address, &addr_len, CREATE2_DEPLOYER_ADDRESS,
		       strlen(CREATE2_DEPLOYER_ADDRESS)) != 0 ||
	    hex_decode(deployer_code, &code_len, CREATE2_DEPLOYER_CODE,
		       strlen(CREATE2_DEPLOYER_CODE)) != 0)
		BUG("the CREATE2 deployer does not decode");
	su->alloc[o->accounts].code = deployer_code;
	su->alloc[o->accounts].code_len = code_len;
	cfg->chain_id = o->chain_id;
	cfg->gas_limit = o->gas_limit;
	cfg->base_fee = o->base_fee;
	cfg->timestamp = (uint64_t)time(NULL);
	if (o->data_dir != NULL) {
		/* A stored chain keeps its genesis, and so its genesis time. */
		int grc = chain_stored_genesis_time(&cfg->timestamp, &cause, o->data_dir);

		if (grc != 0 && grc != -ENOENT) {
			msg_error("%s", cause);
			free(cause);
			return -1;
		}
		free(cause);
		if (grc == -ENOENT)
			cfg->timestamp = (uint64_t)time(NULL);
		cfg->data_dir = o->data_dir;
	}
	cfg->alloc = su->alloc;
	cfg->nalloc = o->accounts + 1;
	su->host = o->host;
	su->port = o->port;
	su->rpc = true;
	su->block_time_ms = o->block_time_ms;
	su->empty_blocks = true;
	cfg->automine = !o->no_mining && o->block_time_ms == 0;
	return 0;
}

/* Fills su from a node config and its genesis.  Returns: 0 or -1. */
static int
setup_config(struct setup *su, const char *path)
{
	char *cause = NULL;

	if (node_config_load(&su->nc, &cause, path) != 0) {
		msg_error("%s", cause);
		free(cause);
		return -1;
	}
	su->cfg = su->nc.genesis.chain;
	su->cfg.data_dir = su->nc.data_dir;
	su->rpc = su->nc.rpc;
	su->host = su->nc.rpc_host;
	su->port = su->nc.rpc_port;
	if (su->rpc && !is_ip_address(su->host)) {
		msg_error("%s: rpc.host: expected an IP address, got '%s'", path, su->host);
		return -1;
	}
	su->mnemonic = su->nc.mnemonic;
	su->accounts = su->nc.accounts;
	su->block_time_ms = su->nc.genesis.block_time_ms;
	su->empty_blocks = su->nc.genesis.empty_blocks;
	su->cfg.automine = su->block_time_ms == 0;
	if (su->nc.genesis.tbft) {
		/* Consensus makes the blocks, at its own pace. */
		if (!su->nc.p2p) {
			msg_error("%s: a tbft node needs \"p2p\" (its address for its peers)", path);
			return -1;
		}
		su->tbft = true;
		su->cfg.automine = false;
		su->block_time_ms = 0;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct setup su;
	struct secp *secp = NULL;
	struct hdwallet_account *accts = NULL;
	struct chain *chain = NULL;
	struct eth *eth = NULL;
	struct rpc_dispatch *d = NULL;
	struct event_base *base = NULL;
	struct event *sigint = NULL, *sigterm = NULL, *mine_timer = NULL, *state_timer = NULL;
	struct rpc_server *server = NULL;
	struct engine *engine = NULL;
	struct snapctl *snap = NULL;
	struct nodectl *control = NULL;
	struct miner miner;
	const struct rpc_method *methods;
	struct rpc_method *own_methods = NULL;
	size_t nmethods;
	char *cause = NULL;
	int rc, status = 1;

	log_init("chainbox-node");
	event_set_log_callback(on_event_log);
	memset(&su, 0, sizeof(su));
	rc = parse_options(&o, argc, argv);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (o.config != NULL && setup_config(&su, o.config) != 0)
		goto out;
	if (o.config == NULL) {
		su.mnemonic = o.mnemonic;
		su.accounts = o.accounts;
	}

	secp = secp_new();
	if (secp == NULL) {
		msg_error("cannot create a signing context: %s", strerror(errno));
		goto out;
	}
	accts = xcalloc(su.accounts + 1, sizeof(*accts));
	if (su.accounts > 0 &&
	    hdwallet_accounts(secp, accts, su.accounts, &cause, su.mnemonic, NULL, NULL, 0) != 0) {
		msg_error("cannot derive the dev accounts: %s", cause);
		goto out;
	}
	if (o.config == NULL && setup_dev(&su, &o, accts) != 0)
		goto out;
	chain = chain_new(&su.cfg, &cause);
	if (chain == NULL) {
		msg_error("cannot create the chain: %s", cause);
		goto out;
	}
	o.state.chain = chain;
	if (o.state.load != NULL && state_files_load(chain, &o.state) != 0)
		goto out;
	eth = eth_new(chain, accts, su.accounts, &cause);
	if (eth == NULL) {
		msg_error("%s", cause);
		goto out;
	}
	if (su.tbft) {
		own_methods = eth_methods_consensus(&nmethods);
		methods = own_methods;
	} else {
		methods = eth_methods(&nmethods);
	}
	d = rpc_dispatch_new(methods, nmethods, eth);

	base = event_base_new();
	if (base == NULL) {
		msg_error("cannot create the event loop");
		goto out;
	}
	if (su.rpc) {
		server = rpc_server_new(base, su.host, su.port, d, RPC_DEFAULT_MAX_BODY, &cause);
		if (server == NULL) {
			msg_error("%s", cause);
			goto out;
		}
	}
	if (su.block_time_ms > 0) {
		struct timeval tv = { (time_t)(su.block_time_ms / 1000),
				      (suseconds_t)(su.block_time_ms % 1000 * 1000) };

		miner.chain = chain;
		miner.empty_blocks = su.empty_blocks;
		mine_timer = event_new(base, -1, EV_PERSIST, on_block_timer, &miner);
		if (mine_timer == NULL || event_add(mine_timer, &tv) != 0) {
			msg_error("cannot start interval mining");
			goto out;
		}
	}
	if (o.state.interval > 0) {
		struct timeval tv = { (time_t)o.state.interval, 0 };

		state_timer = event_new(base, -1, EV_PERSIST, on_state_timer, &o.state);
		if (state_timer == NULL || event_add(state_timer, &tv) != 0) {
			msg_error("cannot start dumping the state every %llu seconds",
				  (unsigned long long)o.state.interval);
			goto out;
		}
	}
	if (su.tbft && (engine = engine_new(base, &su.nc, chain, &cause)) == NULL) {
		msg_error("cannot join the network: %s", cause);
		goto out;
	}
	if (su.nc.control_path != NULL) {
		struct nodectl_config cc = {
			.path = su.nc.control_path, .p2p = engine ? engine_p2p(engine) : NULL,
			.status = snapctl_status, .commands = snapctl_commands,
			.ncommands = snapctl_ncommands,
		};

		cc.arg = snap = snapctl_new(chain, engine ? engine_status : NULL, engine);
		if ((control = nodectl_new(base, &cc, &cause)) == NULL) {
			msg_error("%s", cause);
			goto out;
		}
	}
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	if (sigint == NULL || sigterm == NULL || evsignal_add(sigint, NULL) != 0 ||
	    evsignal_add(sigterm, NULL) != 0) {
		msg_error("cannot catch SIGINT and SIGTERM");
		goto out;
	}
	/* A client that hangs up must not kill the node with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);

	if (o.config == NULL) {
		print_banner(&o, accts, su.cfg.timestamp);
	} else {
		char hash[65];

		hex_encode(hash, chain_block(chain, 0)->hash, 32);
		log_info("node %s: chain %llu, genesis 0x%s, head %llu, %s", su.nc.name,
			 (unsigned long long)chain_id(chain), hash,
			 (unsigned long long)chain_head(chain)->header.number,
			 su.tbft ? "tbft consensus" : su.block_time_ms > 0 ? "interval mining"
								   : "automine");
	}
	if (server != NULL && strchr(su.host, ':') != NULL)
		printf("Listening on [%s]:%u\n", su.host, (unsigned)rpc_server_port(server));
	else if (server != NULL)
		printf("Listening on %s:%u\n", su.host, (unsigned)rpc_server_port(server));
	if (fflush(stdout) != 0) {
		msg_error("cannot write to stdout: %s", strerror(errno));
		goto out;
	}
	/* The keys live on in eth alone. */
	for (size_t i = 0; i < su.accounts; i++)
		hdwallet_account_release(&accts[i]);

	if (event_base_dispatch(base) != 0) {
		msg_error("the event loop failed");
		goto out;
	}
	if (o.state.dump != NULL && state_files_dump(&o.state) != 0)
		goto out;
	status = 0;
out:
	nodectl_free(control);
	snapctl_free(snap);
	engine_free(engine);
	if (mine_timer != NULL)
		event_free(mine_timer);
	if (state_timer != NULL)
		event_free(state_timer);
	if (sigint != NULL)
		event_free(sigint);
	if (sigterm != NULL)
		event_free(sigterm);
	rpc_server_free(server);
	if (base != NULL)
		event_base_free(base);
	rpc_dispatch_free(d);
	free(own_methods);
	eth_free(eth);
	chain_free(chain);
	free(su.alloc);
	node_config_release(&su.nc);
	for (size_t i = 0; accts != NULL && i < su.accounts; i++)
		hdwallet_account_release(&accts[i]);
	free(accts);
	secp_free(secp);
	free(cause);
	return status;
}
