#!/bin/sh
# Docker Hub's nginx image's template step, in our words: each
# /etc/nginx/templates/NAME.template becomes /etc/nginx/conf.d/NAME with the
# ${VARIABLES} of the container's environment filled in (and only those, so
# nginx's own $variables stay). NGINX_ENVSUBST_TEMPLATE_DIR,
# NGINX_ENVSUBST_TEMPLATE_SUFFIX, NGINX_ENVSUBST_OUTPUT_DIR and
# NGINX_ENVSUBST_FILTER change the folders, the suffix and which variables.
set -e

me=$(basename "$0")
say() {
    [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$@"
}

template_dir="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"
suffix="${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}"
output_dir="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
filter="${NGINX_ENVSUBST_FILTER:-}"

[ -d "$template_dir" ] || exit 0
if [ ! -w "$output_dir" ]; then
    say "$me: ERROR: $template_dir exists, but $output_dir is not writable"
    exit 0
fi

defined_envs=$(printf '${%s} ' $(awk "END { for (name in ENVIRON) { print ( name ~ /${filter}/ ) ? name : \"\" } }" </dev/null))
find "$template_dir" -follow -type f -name "*$suffix" -print | while read -r template; do
    relative_path="${template#"$template_dir/"}"
    output_path="$output_dir/${relative_path%"$suffix"}"
    subdir=$(dirname "$relative_path")
    mkdir -p "$output_dir/$subdir"
    say "$me: Running envsubst on $template to $output_path"
    envsubst "$defined_envs" <"$template" >"$output_path"
done
