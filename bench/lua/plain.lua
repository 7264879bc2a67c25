-- A plain GET (no credentials): /healthz and the bare app's endpoints.
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
require("common").install()
