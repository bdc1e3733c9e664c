-- One torrent, consistent at one instant, for the state export: its record hash and strings.
return { call('HGETALL', R), call('GET', F4.e), call('GET', F4.t), call('GET', F6.e), call('GET', F6.t) }
