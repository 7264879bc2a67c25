-- Login flood: POST /api/v1/auth/token with form bodies (BENCH_BODY_FILE, one
-- "username=...&password=..." per line), so every request runs argon2.
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
require("common").install()
