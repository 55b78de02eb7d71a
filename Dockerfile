# Dockyard in a container: one per student, for a classroom (docs/classroom.md).
#
#   make build compose
#   docker build -t dockyard .          # or: podman build -t dockyard .
#   docker run --privileged -it -v dockyard:/var/lib/dockyard dockyard
#
# Dockyard's engine makes real containers (namespaces, overlayfs, bridges,
# nftables), so the container must be privileged. Its state root must be a
# volume: overlayfs cannot use the container's own overlay root for the
# containers' writable layers ("dockyard doctor" says so when it is not).
#
# The binaries are built on the host (make build compose: Go and
# libseccomp-dev; Docker Compose goes in bin/cli-plugins/);
# the image only needs what it runs with.
FROM debian:bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libseccomp2 iproute2 nftables iptables mmdebstrap debootstrap \
      ca-certificates bash less postgresql-client busybox-static \
 && rm -rf /var/lib/apt/lists/*
COPY bin/ /usr/local/lib/dockyard/
RUN ln -s /usr/local/lib/dockyard/dockyard /usr/local/bin/dockyard \
 && ln -s /usr/local/lib/dockyard/dockyard /usr/local/bin/docker
# The student's progress lives on the volume too.
ENV DOCKYARD_ROOT=/var/lib/dockyard XDG_STATE_HOME=/var/lib/dockyard/student \
    LANG=C.UTF-8 TERM=xterm-256color
VOLUME /var/lib/dockyard
WORKDIR /root
# The lesson images bake in the background while the first lesson is read.
CMD ["bash", "-c", "dockyard images prepare --background && exec dockyard learn"]
