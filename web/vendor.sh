#!/bin/sh
# Copies the pinned dist files of package.json's devDependencies into the folders that the
# server embeds (web/dashboard/vendor/ and web/graphiql/). Run after `npm ci`:
#   cd web && npm ci && sh vendor.sh
# The copies are committed, so a fresh machine needs neither npm nor this script.
set -eu
cd "$(dirname "$0")"
nm=node_modules
[ -d "$nm/echarts" ] || { echo "vendor.sh: run 'npm ci' in web/ first" >&2; exit 1; }

# Copies $1 to $2 without its sourceMappingURL comment (the maps are not shipped).
copy() { sed -e 's|^//# sourceMappingURL=.*$||' -e 's|/\*# sourceMappingURL=[^*]*\*/||' "$1" > "$2"; }

mkdir -p dashboard/vendor graphiql
copy "$nm/echarts/dist/echarts.min.js" dashboard/vendor/echarts.min.js
cp "$nm/echarts/LICENSE" dashboard/vendor/echarts.LICENSE
cp "$nm/echarts/NOTICE" dashboard/vendor/echarts.NOTICE

copy "$nm/graphiql/graphiql.min.js" graphiql/graphiql.min.js
copy "$nm/graphiql/graphiql.min.css" graphiql/graphiql.min.css
copy "$nm/react/umd/react.production.min.js" graphiql/react.production.min.js
copy "$nm/react-dom/umd/react-dom.production.min.js" graphiql/react-dom.production.min.js
cp "$nm/graphiql/LICENSE" graphiql/graphiql.LICENSE
cp "$nm/react/LICENSE" graphiql/react.LICENSE

v() { node -p "require('./$nm/$1/package.json').version"; }
echo "vendored echarts $(v echarts), graphiql $(v graphiql), react $(v react), react-dom $(v react-dom)"
