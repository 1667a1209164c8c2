/* A network's plan on disk (see plan.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hdwallet.h"
#include "fsutil.h"
#include "hex.h"
#include "jsonhex.h"
#include "keccak.h"
#include "plan.h"
#include "secp.h"
#include "xalloc.h"

/* Arachnid's deterministic deployment proxy, which anvil (and so
 * chainbox-node --dev) puts in every genesis. */
#define CREATE2_DEPLOYER_ADDRESS "0x4e59b44847b379578588920ca78fbf26c0b4956c"
#define CREATE2_DEPLOYER_CODE                                                   \
	"0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03" \
	"601600081602082378035828234f58015156039578182fd5b80825250505060146" \
	"00cf3"

void
plan_spec_hash(uint8_t hash[32], const struct spec *spec)
{
	json_t *j = spec_to_json(spec);
	char *text;

	/* The file it came from, and the name it runs under (--name), are
	 * not part of what it says: the same spec under another name makes
	 * the same chain, which a snapshot may carry between the two. */
	json_object_del(j, "file");
	json_object_del(j, "name");
	text = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
	if (text == NULL)
		BUG("cannot serialise a spec");
	keccak256(hash, text, strlen(text));
	free(text);
	json_decref(j);
}

uint16_t
plan_free_port(uint16_t want)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;
	uint16_t port = 0;

	if (fd < 0)
		return 0;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(want);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	if (rc != 0 && want != 0) {
		close(fd);
		return 0;
	}
	if (rc == 0 && getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* Writes j to path, whole or not at all.  Returns: 0, or -1 with *cause
 * set. */
static int
write_json(char **cause, const char *path, const json_t *j, int mode)
{
	/* One write: json_dumpfd() would make one system call a token. */
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	size_t len;
	int rc;

	if (text == NULL) {
		xasprintf(cause, "cannot write %s: out of memory", path);
		return -1;
	}
	len = strlen(text);
	text[len] = '\n'; /* in place of the NUL: what is written needs none */
	rc = fs_write_file(cause, path, text, len + 1, mode, false);
	free(text);
	return rc;
}

/* Writes the effective spec to STATE/spec.yaml: what a snapshot carries
 * to rebuild the network elsewhere.  Returns: 0, or -1 with *cause set. */
static int
write_spec(char **cause, const struct plan *p, const struct spec *spec)
{
	char *path, *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc = -1;

	xasprintf(&path, "%s/%s", p->state_dir, PLAN_SPEC_FILE);
	if (f == NULL) {
		xasprintf(cause, "cannot write %s: %s", path, strerror(errno));
	} else {
		spec_write_yaml(f, spec);
		if (fclose(f) != 0)
			xasprintf(cause, "cannot write %s: out of memory", path);
		else
			rc = fs_write_file(cause, path, text, len, 0644, false);
	}
	free(text);
	free(path);
	return rc;
}

static void
alloc_add(json_t *alloc, const uint8_t addr[20], json_t *account)
{
	char key[43];

	key[0] = '0';
	key[1] = 'x';
	hex_encode(key + 2, addr, 20);
	json_object_set_new(alloc, key, account);
}

/* Returns: the genesis as geth writes it, with chainbox's settings under
 * config.chainbox, or NULL with *cause set. */
static json_t *
genesis_json(char **cause, const struct plan *p, const struct spec *spec,
	     const struct secp *secp)
{
	const struct spec_chain *ch = &spec->chain;
	const struct spec_accounts *ac = &spec->accounts;
	json_t *g = json_object(), *cfg = json_object(), *cb = json_object();
	json_t *alloc = json_object(), *validators = json_array();
	struct hdwallet_account *accts = xcalloc(ac->count + 1, sizeof(*accts));

	if (ac->count > 0 &&
	    hdwallet_accounts(secp, accts, ac->count, cause, ac->mnemonic, NULL, NULL, 0) != 0) {
		free(accts);
		json_decref(g);
		json_decref(cfg);
		json_decref(cb);
		json_decref(alloc);
		json_decref(validators);
		return NULL;
	}
	for (size_t i = 0; i < ac->count; i++) {
		alloc_add(alloc, accts[i].addr, json_pack("{s:o}", "balance",
							   jsonhex_u256(&ac->balance)));
		hdwallet_account_release(&accts[i]);
	}
	free(accts);
	json_object_set_new(alloc, CREATE2_DEPLOYER_ADDRESS,
			    json_pack("{s:s, s:s}", "balance", "0x0", "code",
				      CREATE2_DEPLOYER_CODE));
	/* The spec's own alloc comes last: it may override a dev account. */
	for (size_t i = 0; i < ac->nalloc; i++) {
		const struct spec_alloc *a = &ac->alloc[i];
		json_t *o = json_pack("{s:o, s:o}", "balance", jsonhex_u256(&a->balance), "nonce",
				      jsonhex_u64(a->nonce));

		if (a->code_len > 0)
			json_object_set_new(o, "code", jsonhex_bytes(a->code, a->code_len));
		if (a->nstorage > 0) {
			json_t *st = json_object();

			for (size_t k = 0; k < a->nstorage; k++) {
				char key[U256_HEX_MAX];

				u256_to_hex(key, &a->storage[k].key);
				json_object_set_new(st, key, jsonhex_u256(&a->storage[k].value));
			}
			json_object_set_new(o, "storage", st);
		}
		alloc_add(alloc, a->address, o);
	}
	for (size_t i = 0; i < p->nnodes; i++) {
		if (p->nodes[i].validator)
			json_array_append_new(validators, jsonhex_bytes(p->nodes[i].address, 20));
	}
	json_object_set_new(cb, "consensus", json_string(ch->consensus == SPEC_TBFT ? "tbft"
										 : "solo"));
	json_object_set_new(cb, "blockTimeMs", json_integer((json_int_t)ch->block_time_ms));
	json_object_set_new(cb, "emptyBlocks", json_boolean(ch->empty_blocks));
	json_object_set_new(cb, "validators", validators);
	json_object_set_new(cb, "specHash", jsonhex_bytes(p->spec_hash, 32));
	json_object_set_new(cfg, "chainId", json_integer((json_int_t)ch->id));
	/* Every fork from the start, up to Cancun, as geth's dev genesis. */
	static const char *const forks[] = {
		"homesteadBlock", "eip150Block", "eip155Block", "eip158Block", "byzantiumBlock",
		"constantinopleBlock", "petersburgBlock", "istanbulBlock", "berlinBlock",
		"londonBlock", "mergeNetsplitBlock",
	};
	for (size_t i = 0; i < ARRAY_SIZE(forks); i++)
		json_object_set_new(cfg, forks[i], json_integer(0));
	json_object_set_new(cfg, "terminalTotalDifficulty", json_integer(0));
	json_object_set_new(cfg, "shanghaiTime", json_integer(0));
	json_object_set_new(cfg, "cancunTime", json_integer(0));
	json_object_set_new(cfg, "chainbox", cb);
	json_object_set_new(g, "config", cfg);
	json_object_set_new(g, "alloc", alloc);
	json_object_set_new(g, "gasLimit", jsonhex_u64(ch->gas_limit));
	json_object_set_new(g, "baseFeePerGas", jsonhex_u256(&ch->base_fee));
	json_object_set_new(g, "timestamp", jsonhex_u64(p->genesis_time));
	json_object_set_new(g, "extraData", json_string("0x"));
	json_object_set_new(g, "difficulty", json_string("0x0"));
	json_object_set_new(g, "coinbase",
			    json_string("0x0000000000000000000000000000000000000000"));
	return g;
}

/* Reads the genesis already in the state dir, if any: its time is kept,
 * and a genesis from another spec is refused.  Returns: 0 (with
 * p->reused set when there was one), or -1 with *cause set. */
static int
read_old_genesis(struct plan *p, char **cause)
{
	json_error_t jerr;
	json_t *g = json_load_file(p->genesis, 0, &jerr), *hash, *ts;
	char want[67];
	int rc = -1;

	if (g == NULL && access(p->genesis, F_OK) != 0)
		return 0;
	hash = json_object_get(json_object_get(json_object_get(g, "config"), "chainbox"),
			       "specHash");
	ts = json_object_get(g, "timestamp");
	want[0] = '0';
	want[1] = 'x';
	hex_encode(want + 2, p->spec_hash, 32);
	if (g == NULL || !json_is_string(hash) || !json_is_string(ts) ||
	    sscanf(json_string_value(ts), "0x%" SCNx64, &p->genesis_time) != 1) {
		xasprintf(cause, "%s is not a genesis chainbox wrote; remove %s or choose "
			  "another --state-dir", p->genesis, p->state_dir);
	} else if (strcmp(json_string_value(hash), want) != 0) {
		xasprintf(cause, "%s holds network '%s' made from another spec; bring it down "
			  "with 'chainbox down --purge --state-dir %s', or choose another "
			  "--name", p->state_dir, p->name, p->state_dir);
	} else {
		p->reused = true;
		rc = 0;
	}
	json_decref(g);
	return rc;
}

/* Gives every RPC node its port.  Returns: 0, or -1 with *cause set. */
static int
pick_ports(struct plan *p, char **cause, const struct spec *spec)
{
	bool first = true;

	for (size_t i = 0; i < p->nnodes; i++) {
		struct plan_node *n = &p->nodes[i];
		const struct spec_group *g = &spec->groups[n->group];

		if (!n->rpc)
			continue;
		if (g->rpc_port != 0) {
			/* A group of several with a fixed port counts up from it. */
			uint64_t want = g->rpc_port;

			for (size_t k = 0; k < i; k++)
				if (p->nodes[k].group == n->group)
					want++;
			if (want > UINT16_MAX || plan_free_port((uint16_t)want) == 0) {
				xasprintf(cause, "node %s: port %" PRIu64 " is in use or cannot be "
					  "bound; free it or change rpc in the spec", n->name, want);
				return -1;
			}
			n->rpc_port = (uint16_t)want;
			continue;
		}
		if (first && !p->any_port)
			n->rpc_port = plan_free_port(PLAN_DEFAULT_RPC_PORT);
		first = false;
		/* Free ports from the kernel come in turn, but one may be
		 * handed out twice: check against those taken. */
		for (int tries = 0; n->rpc_port == 0 && tries < 64; tries++) {
			uint16_t port = plan_free_port(0);
			bool taken = false;

			for (size_t k = 0; k < i; k++)
				taken |= p->nodes[k].rpc_port == port;
			if (!taken)
				n->rpc_port = port;
		}
		if (n->rpc_port == 0) {
			xasprintf(cause, "node %s: no free TCP port on 127.0.0.1", n->name);
			return -1;
		}
	}
	/* The nodes of a tbft network talk to each other. */
	for (size_t i = 0; spec->chain.consensus == SPEC_TBFT && i < p->nnodes; i++) {
		struct plan_node *n = &p->nodes[i];

		for (int tries = 0; n->p2p_port == 0 && tries < 64; tries++) {
			uint16_t port = plan_free_port(0);
			bool taken = false;

			for (size_t k = 0; k < p->nnodes; k++)
				taken |= p->nodes[k].rpc_port == port || (k < i &&
									p->nodes[k].p2p_port == port);
			if (!taken)
				n->p2p_port = port;
		}
		if (n->p2p_port == 0) {
			xasprintf(cause, "node %s: no free TCP port on 127.0.0.1", n->name);
			return -1;
		}
	}
	return 0;
}

/* Derives a node's key from the spec's seed and its name. */
static void
node_key(struct plan_node *n, const struct secp *secp, uint64_t seed)
{
	uint8_t pub[64];
	struct keccak k;
	char seedtxt[21];

	snprintf(seedtxt, sizeof seedtxt, "%" PRIu64, seed);
	for (uint32_t counter = 0;; counter++) {
		keccak_init(&k);
		keccak_update(&k, "chainbox node key\0", 18);
		keccak_update(&k, seedtxt, strlen(seedtxt) + 1);
		keccak_update(&k, n->name, strlen(n->name) + 1);
		keccak_update(&k, &counter, sizeof counter);
		keccak_final(&k, n->key);
		if (secp_is_seckey(n->key) && secp_pubkey(secp, pub, n->key) == 0)
			break;
	}
	secp_address(n->address, pub);
}

static int
write_node_conf(char **cause, const struct plan *p, const struct spec *spec,
		const struct plan_node *n)
{
	json_t *c = json_object();
	int rc;

	json_object_set_new(c, "name", json_string(n->name));
	json_object_set_new(c, "genesis", json_string("genesis.json"));
	json_object_set_new(c, "data_dir", json_string("data"));
	if (n->rpc)
		json_object_set_new(c, "rpc", json_pack("{s:s, s:i}", "host", "127.0.0.1",
							 "port", (int)n->rpc_port));
	json_object_set_new(c, "node_key", jsonhex_bytes(n->key, 32));
	if (spec->accounts.count > 0)
		json_object_set_new(c, "accounts",
				    json_pack("{s:s, s:I}", "mnemonic", spec->accounts.mnemonic,
					      "count", (json_int_t)spec->accounts.count));
	json_object_set_new(c, "control", json_string("control.sock"));
	json_object_set_new(c, "validator", json_boolean(n->validator));
	if (n->p2p_port != 0) {
		json_t *peers = json_array();

		json_object_set_new(c, "p2p", json_pack("{s:s, s:i, s:I}", "host", "127.0.0.1",
							 "port", (int)n->p2p_port, "seed",
							 (json_int_t)(spec->seed & INT64_MAX)));
		for (size_t i = 0; i < p->nnodes; i++) {
			const struct plan_node *o = &p->nodes[i];

			if (o == n)
				continue;
			json_array_append_new(peers, json_pack("{s:s, s:s, s:i, s:o}", "name",
							       o->name, "host", "127.0.0.1",
							       "port", (int)o->p2p_port, "address",
							       jsonhex_bytes(o->address, 20)));
		}
		json_object_set_new(c, "peers", peers);
	}
	rc = write_json(cause, n->conf, c, 0600);
	json_decref(c);
	return rc;
}

int
plan_make(struct plan *p, char **cause, const struct spec *spec, const char *state_dir,
	  bool any_port)
{
	struct secp *secp = NULL;
	json_t *g = NULL;
	char *logs = NULL;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	p->name = xstrdup(spec->name);
	p->any_port = any_port;
	if (state_dir[0] == '/') {
		p->state_dir = xstrdup(state_dir);
	} else {
		char *cwd = getcwd(NULL, 0);

		if (cwd == NULL) {
			xasprintf(cause, "cannot find the current directory: %s", strerror(errno));
			return -1;
		}
		xasprintf(&p->state_dir, "%s/%s", cwd, state_dir);
		free(cwd);
	}
	xasprintf(&p->genesis, "%s/genesis.json", p->state_dir);
	plan_spec_hash(p->spec_hash, spec);
	if ((secp = secp_new()) == NULL) {
		xasprintf(cause, "cannot create a signing context: %s", strerror(errno));
		goto out;
	}
	/* logs.dir: relative to the state dir, or absolute. */
	if (spec->logs.dir[0] == '/')
		logs = xstrdup(spec->logs.dir);
	else
		xasprintf(&logs, "%s/%s", p->state_dir, spec->logs.dir);
	p->nodes = xcalloc(spec->nnodes + 1, sizeof(*p->nodes));
	p->nnodes = spec->nnodes;
	for (size_t i = 0; i < spec->nnodes; i++) {
		struct plan_node *n = &p->nodes[i];
		const struct spec_group *grp = &spec->groups[spec->nodes[i].group];

		n->name = xstrdup(spec->nodes[i].name);
		n->group = spec->nodes[i].group;
		n->validator = grp->role == SPEC_VALIDATOR;
		n->rpc = grp->rpc;
		xasprintf(&n->dir, "%s/nodes/%s", p->state_dir, n->name);
		xasprintf(&n->conf, "%s/node.conf", n->dir);
		xasprintf(&n->data_dir, "%s/data", n->dir);
		xasprintf(&n->control, "%s/control.sock", n->dir);
		xasprintf(&n->log, "%s/%s.log", logs, n->name);
		node_key(n, secp, spec->seed);
	}
	if ((rc = fs_mkdirs(logs)) != 0) {
		xasprintf(cause, "cannot create %s: %s", logs, strerror(-rc));
		rc = -1;
		goto out;
	}
	rc = -1;
	if (read_old_genesis(p, cause) != 0 || pick_ports(p, cause, spec) != 0)
		goto out;
	if (!p->reused) {
		p->genesis_time = (uint64_t)time(NULL);
		if ((g = genesis_json(cause, p, spec, secp)) == NULL ||
		    write_json(cause, p->genesis, g, 0644) != 0)
			goto out;
	}
	if (write_spec(cause, p, spec) != 0)
		goto out;
	if (g == NULL && (g = json_load_file(p->genesis, 0, NULL)) == NULL) {
		xasprintf(cause, "cannot read %s", p->genesis);
		goto out;
	}
	for (size_t i = 0; i < p->nnodes; i++) {
		int mrc = fs_mkdirs(p->nodes[i].data_dir);
		char *copy;

		if (mrc != 0) {
			xasprintf(cause, "cannot create %s: %s", p->nodes[i].data_dir,
				  strerror(-mrc));
			goto out;
		}
		/* Each node sees only its own directory, so it gets a copy. */
		xasprintf(&copy, "%s/genesis.json", p->nodes[i].dir);
		mrc = write_json(cause, copy, g, 0644);
		free(copy);
		if (mrc != 0 || write_node_conf(cause, p, spec, &p->nodes[i]) != 0)
			goto out;
	}
	rc = 0;
out:
	json_decref(g);
	free(logs);
	secp_free(secp);
	return rc;
}

void
plan_release(struct plan *p)
{
	for (size_t i = 0; i < p->nnodes; i++) {
		struct plan_node *n = &p->nodes[i];

		free(n->name);
		free(n->dir);
		free(n->conf);
		free(n->data_dir);
		free(n->control);
		free(n->log);
		explicit_bzero(n->key, sizeof n->key);
	}
	free(p->nodes);
	free(p->name);
	free(p->state_dir);
	free(p->genesis);
	memset(p, 0, sizeof(*p));
}
