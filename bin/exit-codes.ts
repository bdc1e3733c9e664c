/** Exit status for a configuration mistake: the systemd unit does not restart it (RestartPreventExitStatus=2). */
export const EXIT_CONFIG = 2
