#!/bin/sh
# Dockyard's nginx entrypoint, after Docker Hub's: when the command is nginx,
# run the executable scripts of /docker-entrypoint.d in order (*.sh as
# programs, *.envsh sourced, so that they can set the environment) and say
# so on the container's output, then hand over to the command. NGINX_ENTRYPOINT_QUIET_LOGS=1 keeps it quiet.
set -e

say() {
    [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$0: $*"
}

if [ "$1" = "nginx" ] || [ "$1" = "nginx-debug" ]; then
    scripts=$(find /docker-entrypoint.d/ -mindepth 1 -maxdepth 1 -type f 2>/dev/null | sort)
    if [ -n "$scripts" ]; then
        say "/docker-entrypoint.d/ is not empty, will attempt to perform configuration"
        say "Looking for shell scripts in /docker-entrypoint.d/"
        for f in $scripts; do
            case "$f" in
            *.envsh)
                if [ -x "$f" ]; then
                    say "Sourcing $f"
                    . "$f"
                else
                    say "Ignoring $f, not executable"
                fi
                ;;
            *.sh)
                if [ -x "$f" ]; then
                    say "Launching $f"
                    "$f"
                else
                    say "Ignoring $f, not executable"
                fi
                ;;
            *) say "Ignoring $f" ;;
            esac
        done
        say "Configuration complete; ready for start up"
    else
        say "No files found in /docker-entrypoint.d/, skipping configuration"
    fi
fi

exec "$@"
