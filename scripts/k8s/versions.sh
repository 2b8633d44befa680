# Pinned versions of the test-cluster binaries (sourced by build.sh).
# Every binary is built from the Go module proxy with the machine's Go (GOTOOLCHAIN=local).
# Changing a version here makes build.sh rebuild just that binary (see docs/k8s-test-cluster.md).
K8S_VERSION="${K8S_VERSION:-v1.36.3}"    # k8s.io/kubernetes: kube-apiserver, KCM, scheduler, kubectl (go 1.26.0)
ETCD_VERSION="${ETCD_VERSION:-v3.6.8}"   # = go.etcd.io/etcd/client/v3 pinned by k8s.io/kubernetes v1.36.3
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"   # sigs.k8s.io/kwok (go 1.26.0, no replace directives)
HELM_VERSION="${HELM_VERSION:-v3.22.0}"  # helm.sh/helm/v3 (go 1.26.0)
