-- wrk script for make soak: every answer must have the status given after
-- "--" on wrk's command line; the others are counted as wrong decisions.
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    want = tonumber(args[1])
    wrong = 0
    statuses = {}
end

function response(status, headers, body)
    if status ~= want then
        wrong = wrong + 1
        statuses[status] = (statuses[status] or 0) + 1
    end
end

function done(summary, latency, requests)
    local total = 0
    for _, t in ipairs(threads) do
        total = total + t:get("wrong")
    end
    io.write(string.format("wrong decisions: %d\n", total))
end
