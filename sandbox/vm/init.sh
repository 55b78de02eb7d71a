#!/bin/busybox sh
# /init of Dockyard's tiny VM (sandbox/vm). The kernel starts it from the
# initramfs with no standard streams when /dev/console is missing (the cpio
# writer stores no device nodes), so it mounts devtmpfs and opens the console
# first. It speaks to the host through markers on the serial console:
#   @@dockyard:ready kernel=<uname -r> mem_kb=<MemTotal> uptime=<s>@@
#   @@dockyard:exit=<code>@@
# and the command itself arrives base64-encoded on the kernel command line
# (dockyard.cmd=...; absent means an interactive shell).
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec 0<>/dev/console 1>&0 2>&0
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TERM=${TERM:-vt100}
mkdir -p /root && cd /root
hostname dockyard-vm

cmd=
mode=batch
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	dockyard.cmd=*) cmd=$(echo "${arg#dockyard.cmd=}" | base64 -d) ;;
	dockyard.mode=*) mode=${arg#dockyard.mode=} ;;
	esac
done
# Batch output goes to a program, not a terminal: no CR before each LF.
[ "$mode" = batch ] && stty -onlcr -echo 2>/dev/null

mem=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
printf '@@dockyard:ready kernel=%s mem_kb=%s uptime=%s@@\n' "$(uname -r)" "$mem" "$(cut -d' ' -f1 /proc/uptime)"
if [ -n "$cmd" ]; then
	sh -c "$cmd"
	rc=$?
else
	setsid cttyhack sh -l
	rc=$?
fi
printf '@@dockyard:exit=%d@@\n' "$rc"
sync
poweroff -f
