-- wrk script for make soak: every answer must have the status given after
-- "--" on wrk's command line; the others are counted as wrong decisions.
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    want = tonumber(args[1])
    wrong = 0
end

function response(status, headers, body)
    if status ~= want then
        wrong = wrong + 1
        last_wrong = status
    end
end

function done(summary, latency, requests)
    local total, seen = 0, ""
    for _, t in ipairs(threads) do
        total = total + t:get("wrong")
        local w = t:get("last_wrong")
        if w then seen = seen .. " " .. w end
    end
    io.write(string.format("wrong decisions: %d\n", total))
    if total > 0 then io.write("wrong statuses:" .. seen .. "\n") end
end
