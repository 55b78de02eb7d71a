package main

// Before Go starts (and before the package initialisation of everything
// dockyard links, ~20-70 ms here, mostly the lesson renderer's), a docker
// command line is handed to dockyard-runtime beside this binary, which
// speaks the same docker commands without the lessons. Set
// DOCKYARD_NO_RUNTIME=1 to keep them in this binary. A dockyard-runtime
// older than dockyard is ignored.

/*
#include <libgen.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

__attribute__((constructor)) static void dockyard_fast_docker(int argc, char **argv) {
	if (argc < 1 || getenv("_LIBCONTAINER_INITPIPE") != NULL || getenv("DOCKYARD_NO_RUNTIME") != NULL)
		return;
	char arg0[PATH_MAX];
	strncpy(arg0, argv[0], sizeof(arg0) - 1);
	arg0[sizeof(arg0) - 1] = 0;
	int docker = strcmp(basename(arg0), "docker") == 0 || (argc > 1 && strcmp(argv[1], "docker") == 0);
	if (!docker)
		return;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return;
	self[n] = 0;
	char runtime[PATH_MAX + 32];
	char dir[PATH_MAX];
	memcpy(dir, self, sizeof(dir));
	snprintf(runtime, sizeof(runtime), "%s/dockyard-runtime", dirname(dir));
	if (access(runtime, X_OK) != 0)
		return;
	// A dockyard-runtime older than this binary is left from an earlier
	// build: do not run stale code (make build and make install write
	// dockyard first, then dockyard-runtime).
	struct stat self_st, rt_st;
	if (stat(self, &self_st) != 0 || stat(runtime, &rt_st) != 0 || rt_st.st_mtime < self_st.st_mtime)
		return;
	execv(runtime, argv);
	// On failure dockyard carries on as itself.
}
*/
import "C"
