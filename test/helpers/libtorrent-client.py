"""A libtorrent (rasterbar) client for the end-to-end tests: the library qBittorrent and Deluge
are built on. Seeds or downloads one torrent through the one tracker URL given, prints each
tracker reply and error on a line of its own, and exits 0 once the download is complete (a
leecher) or when told to stop (SIGTERM; a seeder).

Usage: libtorrent-client.py <seed|leech> <torrent file> <save dir> <tracker url> <listen port>
"""
import signal
import sys
import time

import libtorrent as lt

role, torrent_file, save_dir, tracker, port = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
session = lt.session({
    'listen_interfaces': f'127.0.0.1:{port}',
    'enable_dht': False, 'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
    'allow_multiple_connections_per_ip': True,
    'alert_mask': lt.alert.category_t.tracker_notification | lt.alert.category_t.error_notification | lt.alert.category_t.status_notification,
})
info = lt.torrent_info(torrent_file)
info.trackers()  # read once; replaced below
params = {'ti': info, 'save_path': save_dir}
if role == 'seed':
    params['flags'] = lt.torrent_flags.seed_mode
handle = session.add_torrent(params)
handle.replace_trackers([lt.announce_entry(tracker)])
handle.force_reannounce()

stopping = False
def stop(*_):
    global stopping
    stopping = True
signal.signal(signal.SIGTERM, stop)

deadline = time.time() + 80
while not stopping and time.time() < deadline:
    for alert in session.pop_alerts():
        if isinstance(alert, lt.tracker_error_alert):
            print(f'{type(alert).__name__}: {alert.message()} reason: {alert.failure_reason()}', flush=True)
        elif isinstance(alert, (lt.tracker_reply_alert, lt.tracker_warning_alert)):
            print(f'{type(alert).__name__}: {alert.message()}', flush=True)
    status = handle.status()
    if role == 'leech' and status.is_seeding:
        print('download complete', flush=True)
        # One more announce tells the tracker the download completed before leaving.
        handle.force_reannounce()
        time.sleep(1)
        sys.exit(0)
    time.sleep(0.1)
sys.exit(0 if stopping else 1)
