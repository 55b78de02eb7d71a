package buildkit
