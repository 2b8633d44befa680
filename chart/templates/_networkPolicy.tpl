{{- /*
Pieces of the NetworkPolicies of the hub, the proxy and user pods (z2jh's model): who may
connect is decided by access labels (hub.jupyter.org/network-access-<target>: "true") on the
connecting pod, and outgoing traffic by <component>.networkPolicy.egressAllowRules plus
<component>.networkPolicy.egress.
*/ -}}

{{- define "nbhub.netpol.privateCidrs" -}}
- 10.0.0.0/8
- 172.16.0.0/12
- 192.168.0.0/16
{{- end }}

{{- /*
Egress rules from egressAllowRules. Call with (dict "rules" <egressAllowRules> "metadataIp"
<IPv4 of the cloud metadata server> "metadataAllowed" <bool>). When metadataAllowed is false
the metadata server is cut out of the public-address rule, so nothing allows it.
*/ -}}
{{- define "nbhub.netpol.egressAllowRules" -}}
{{- $metadata := printf "%s/32" .metadataIp -}}
{{- $private := include "nbhub.netpol.privateCidrs" . | fromYamlArray -}}
{{- if .rules.nonPrivateIPs }}
# Public addresses{{ if not .metadataAllowed }}, except the cloud metadata server{{ end }}.
- to:
    - ipBlock:
        cidr: 0.0.0.0/0
        except:
          {{- toYaml $private | nindent 10 }}
          {{- if not .metadataAllowed }}
          - {{ $metadata }}
          {{- end }}
{{- end }}
{{- if .rules.privateIPs }}
# Private addresses (other pods, the Kubernetes API, in-cluster services).
- to:
  {{- range $private }}
    - ipBlock:
        cidr: {{ . }}
  {{- end }}
{{- end }}
{{- if .metadataAllowed }}
# The cloud metadata server.
- to:
    - ipBlock:
        cidr: {{ $metadata }}
{{- end }}
{{- if ne (toString .rules.dnsPortsCloudMetadataServer) "false" }}
# DNS on the cloud metadata server (some clouds serve DNS there).
- ports:
    - {port: 53, protocol: UDP}
    - {port: 53, protocol: TCP}
  to:
    - ipBlock:
        cidr: {{ $metadata }}
{{- end }}
{{- if ne (toString .rules.dnsPortsKubeSystemNamespace) "false" }}
# DNS on pods of the kube-system namespace (kube-dns, CoreDNS).
- ports:
    - {port: 53, protocol: UDP}
    - {port: 53, protocol: TCP}
  to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
{{- end }}
{{- if .rules.dnsPortsPrivateIPs }}
# DNS on private addresses (kube-dns).
- ports:
    - {port: 53, protocol: UDP}
    - {port: 53, protocol: TCP}
  to:
  {{- range $private }}
    - ipBlock:
        cidr: {{ . }}
  {{- end }}
{{- end }}
{{- end }}

{{- /*
Peers carrying an access label. Call with (dict "target" "hub" "accept" <interNamespaceAccessLabels
is accept>): pods of the policy's namespace, and of every namespace with "accept".
*/ -}}
{{- define "nbhub.netpol.accessPeers" -}}
- podSelector:
    matchLabels:
      hub.jupyter.org/network-access-{{ .target }}: "true"
{{- if .accept }}
- namespaceSelector: {}
  podSelector:
    matchLabels:
      hub.jupyter.org/network-access-{{ .target }}: "true"
{{- end }}
{{- end }}

{{- /*
Pods as a peer. Call with (dict "root" $ "component" "hub" "namespace" <the pods' namespace>
"from" <the policy's namespace>); component "singleuser-server" means this release's user pods.
*/ -}}
{{- define "nbhub.netpol.componentPeer" -}}
- podSelector:
    matchLabels:
      {{- if eq .component "singleuser-server" }}
      {{- include "nbhub.userPodSelector" .root | nindent 6 }}
      {{- else }}
      {{- include "nbhub.selectorLabels" (dict "root" .root "component" .component) | nindent 6 }}
      {{- end }}
  {{- if ne .namespace .from }}
  namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: {{ .namespace }}
  {{- end }}
{{- end }}

{{- /* Ingress rules open to anyone on allowedIngressPorts, then the extra rules. Call with the networkPolicy section. */ -}}
{{- define "nbhub.netpol.openIngress" -}}
{{- range .allowedIngressPorts }}
- ports:
    - port: {{ . }}
{{- end }}
{{- with .ingress }}
{{ toYaml . }}
{{- end }}
{{- end }}
