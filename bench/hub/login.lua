-- wrk script: POST /hub/login (dummy login) with a new user name on every request.
-- Set by bench/hub/loginLoad.ts through the environment:
--   BENCH_LOGIN_PATH   e.g. /hub/login
--   BENCH_COOKIE       the cookies the login page set (incl. _xsrf), sent unchanged
--   BENCH_XSRF         the login form's _xsrf field, form-encoded
--   BENCH_USER_PREFIX  unique per run and phase; names are <prefix><thread>-<n>
local login_path = os.getenv("BENCH_LOGIN_PATH")
local xsrf = os.getenv("BENCH_XSRF")
local prefix = os.getenv("BENCH_USER_PREFIX")
local counter = 0

wrk.method = "POST"
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

function request()
  counter = counter + 1
  local body = "_xsrf=" .. xsrf .. "&username=" .. prefix .. tostring(bench_tid or 0) .. "-" .. counter .. "&password=bench"
  return wrk.format("POST", login_path, nil, body)
end
