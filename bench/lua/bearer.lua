-- JSON API calls: BENCH_AUTH_FILE holds "Authorization: Bearer <token>" lines; with
-- BENCH_BODY_FILE and BENCH_METHOD=POST each request posts the next JSON body.
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
require("common").install()
