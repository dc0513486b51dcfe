# Sourced by scripts that start a throwaway service of their own beside the
# discovery stand-in (scripts/soak.sh, scripts/h2load-bench.sh): the
# settings such a service needs, in one place.

# A free loopback port.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Exports the service's settings for the stand-in on 127.0.0.1:$1: free
# gRPC and metrics ports on loopback (plaintext), the stand-in's default
# client credentials, and fresh development secrets for tokens and page
# tokens (mint tokens with `enterprise-catalog mint-token` after this).
export_local_service_env() {
  local discovery_port="$1"
  export ENTERPRISE_CATALOG_GRPC_ADDRESS="127.0.0.1:$(free_port)"
  export ENTERPRISE_CATALOG_METRICS_ADDRESS="127.0.0.1:$(free_port)"
  export ENTERPRISE_CATALOG_DISCOVERY_URL="http://127.0.0.1:${discovery_port}/api/v1/"
  export ENTERPRISE_CATALOG_OAUTH_URL="http://127.0.0.1:${discovery_port}"
  export ENTERPRISE_CATALOG_OAUTH_CLIENT_ID="enterprise-catalog-worker"
  export ENTERPRISE_CATALOG_OAUTH_CLIENT_SECRET="enterprise-catalog-secret"
  export ENTERPRISE_CATALOG_PLAINTEXT=true
  ENTERPRISE_CATALOG_JWT_SECRET="$(openssl rand -hex 32)"
  ENTERPRISE_CATALOG_PAGE_TOKEN_SECRET="$(openssl rand -hex 32)"
  export ENTERPRISE_CATALOG_JWT_SECRET ENTERPRISE_CATALOG_PAGE_TOKEN_SECRET
  export ENTERPRISE_CATALOG_JWT_ISSUER="http://localhost:18000/oauth2"
  export ENTERPRISE_CATALOG_JWT_AUDIENCE="enterprise-catalog"
}
