-- wrk script for bench/ingest.py: POST pre-signed webhook bodies, each once.
-- The bodies file has "signature<TAB>body" lines; thread k of n sends lines k, k+n, k+2n, ...
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  for line in io.lines(args[1]) do
    local tab = line:find("\t", 1, true)
    bodies[#bodies + 1] = { line:sub(1, tab - 1), line:sub(tab + 1) }
  end
  step = tonumber(args[2])
  index = id + 1
end

function request()
  local item = bodies[index]
  if item == nil then
    index = id + 1  -- out of fresh bodies: repeats (the app answers 200 and stores them once)
    item = bodies[index]
  end
  index = index + step
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["X-Hub-Signature-256"] = item[1],
  }, item[2])
end
