import { addTorrentCli } from './add-torrent-cli.ts'

process.exitCode = await addTorrentCli(process.argv.slice(2), process.env, process)
