-- Aliases read from a state file. ARGV: target hash, alias hash, part: `link` (in the alias's
-- group: the alias leads to the target, unless it is a torrent or an alias already), `list` (in
-- the target's group: the alias joins the target's list), `both` (one group), `unlist`, `unlink`
-- (in the alias's group: it no longer leads to the target, which was removed). Reply: 1 if done.
local target, alias, part = ARGV[1], ARGV[2], ARGV[3]
if part == 'unlink' then
  if call('HGET', G, 'a:' .. alias) == target then call('HDEL', G, 'a:' .. alias) end
  return 1
end
if part == 'unlist' then
  unlist(target, alias)
  return 1
end
if part ~= 'list' then
  if call('ZSCORE', IDS, alias) or call('HEXISTS', G, 'a:' .. alias) == 1 then return 0 end
  if part == 'both' and not call('ZSCORE', IDS, target) then return 0 end
  call('HSET', G, 'a:' .. alias, target)
end
if part ~= 'link' then
  local list = call('HGET', G, 'l:' .. target)
  call('HSET', G, 'l:' .. target, list and (list .. ',' .. alias) or alias)
end
return 1
