-- Pages as a signed-in browser: BENCH_AUTH_FILE holds "Cookie: icbt_session=<token>" lines.
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
require("common").install()
