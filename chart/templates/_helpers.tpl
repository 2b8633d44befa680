{{- /*
Helpers of the nbhub chart. Object names are fixed, as in the z2jh chart (hub, proxy,
proxy-public, proxy-api, hub-db-dir, ...): one release per namespace.
*/ -}}

{{- /* helm.sh/chart label value. */ -}}
{{- define "nbhub.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end }}

{{- /* Labels selecting one component's pods. Call with (dict "root" $ "component" "hub"). */ -}}
{{- define "nbhub.selectorLabels" -}}
app.kubernetes.io/name: nbhub
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- /* Labels of every object. Call with (dict "root" $ "component" "hub"). */ -}}
{{- define "nbhub.labels" -}}
{{ include "nbhub.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ include "nbhub.chart" .root }}
{{- end }}

{{- /* The namespace of user pods: spawner.kubernetes.namespace, else the release's. */ -}}
{{- define "nbhub.userNamespace" -}}
{{- .Values.spawner.kubernetes.namespace | default .Release.Namespace -}}
{{- end }}

{{- /* The hub's port: hub.port (0, "pick one", cannot be a Service's target). */ -}}
{{- define "nbhub.hubPort" -}}
{{- $port := int .Values.hub.port -}}
{{- if eq $port 0 }}{{ fail "hub.port: the Helm chart needs a fixed hub port (the hub Service's target), not 0" }}{{ end -}}
{{- $port -}}
{{- end }}

{{- /* Ports of the proxy container. */ -}}
{{- define "nbhub.proxy.httpPort" -}}8000{{- end }}
{{- define "nbhub.proxy.httpsPort" -}}8443{{- end }}
{{- define "nbhub.proxy.apiPort" -}}8001{{- end }}

{{- /*
"true" when the proxy pod serves plain HTTP next to HTTPS (redirects, ACME challenges):
always with letsencrypt; with manual/secret unless proxy.https.httpPort is null.
*/ -}}
{{- define "nbhub.proxy.plainHttp" -}}
{{- $https := .Values.proxy.https -}}
{{- if and (include "nbhub.proxy.terminatesTls" .) (or (eq $https.type "letsencrypt") (not (kindIs "invalid" $https.httpPort))) }}true{{ end -}}
{{- end }}

{{- /* "true" when the proxy pod terminates TLS itself (not with https off or offloaded). */ -}}
{{- define "nbhub.proxy.terminatesTls" -}}
{{- $https := .Values.proxy.https -}}
{{- if and $https.enabled (ne $https.type "offload") }}true{{ end -}}
{{- end }}

{{- /*
A container's image and pull policy. Call with (dict "image" <image section> "defaultTag" <tag>
"legacyPolicy" <the old z2jh <section>.imagePullPolicy, or nil>).
*/ -}}
{{- define "nbhub.image" -}}
{{- $tag := .image.tag | default .defaultTag | toString -}}
image: {{ printf "%s:%s" .image.name $tag | quote }}
{{- with (.image.pullPolicy | default .legacyPolicy) }}
imagePullPolicy: {{ . }}
{{- end }}
{{- end }}

{{- /* imagePullSecrets entries from a list of names or {name: ...}. */ -}}
{{- define "nbhub.pullSecrets" -}}
{{- range . }}
- name: {{ if kindIs "map" . }}{{ .name | quote }}{{ else }}{{ . | quote }}{{ end }}
{{- end }}
{{- end }}

{{- /* Container env from an extraEnv map (NAME: value, or NAME: {valueFrom: ...}) or a list of EnvVar objects (z2jh 4). */ -}}
{{- define "nbhub.extraEnv" -}}
{{- if kindIs "slice" . }}
{{- range . }}
- {{ toYaml (ternary (set (deepCopy .) "value" (toString .value)) . (hasKey . "value")) | nindent 2 | trim }}
{{- end }}
{{- else }}
{{- range $name, $value := . }}
- name: {{ $name | quote }}
{{- if kindIs "map" $value }}
{{- toYaml (omit $value "name") | nindent 2 }}
{{- else }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{- /*
Node affinity for a node purpose (hub.jupyter.org/node-purpose = core | user), z2jh's
scheduling.{corePods,userPods}.nodeAffinity.matchNodePurpose. Call with (dict "mode" "prefer"
"purpose" "core"); renders nothing for "ignore".
*/ -}}
{{- define "nbhub.nodePurposeAffinity" -}}
{{- $match := dict "key" "hub.jupyter.org/node-purpose" "operator" "In" "values" (list .purpose) -}}
{{- if eq .mode "prefer" }}
nodeAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      preference:
        matchExpressions:
          {{- toYaml (list $match) | nindent 10 }}
{{- else if eq .mode "require" }}
nodeAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    nodeSelectorTerms:
      - matchExpressions:
          {{- toYaml (list $match) | nindent 10 }}
{{- end }}
{{- end }}

{{- /* auth.type -> the auth section holding that login provider's clientSecret (OAUTH_SECTIONS in src/config/schema/auth.ts, and mediawiki's consumer secret, which nbhub also reads from OAUTH_CLIENT_SECRET). */ -}}
{{- define "nbhub.oauthSections" -}}
github: github
google: google
cilogon: cilogon
globus: globus
gitlab: gitlab
azuread: azuread
generic-oauth: genericOAuth
oidc: oidc
mediawiki: mediawiki
{{- end }}

{{- /* The OAuth client secret written in the values for the active login provider, or "". */ -}}
{{- define "nbhub.oauthClientSecret" -}}
{{- $auth := .Values.auth | default dict -}}
{{- $type := $auth.type | default "dummy" -}}
{{- $section := get (include "nbhub.oauthSections" . | fromYaml) $type -}}
{{- if $section -}}
{{- dig $section "clientSecret" "" $auth | default "" -}}
{{- else if eq $type "custom" -}}
{{- dig "custom" "config" "client_secret" "" $auth | default "" -}}
{{- end -}}
{{- end }}

{{- /*
A value of the hub Secret: the one given in the values, else the one the Secret already holds
(so generated secrets survive upgrades), else a new random 64-hex-digit (256-bit) value.
Call with (dict "given" <value or nil> "existing" <lookup result> "key" <data key>).
*/ -}}
{{- define "nbhub.secretValue" -}}
{{- if .given -}}
{{- .given | toString -}}
{{- else if and .existing.data (hasKey .existing.data .key) -}}
{{- index .existing.data .key | b64dec -}}
{{- else -}}
{{- randAlphaNum 64 | sha256sum -}}
{{- end -}}
{{- end }}

{{- /* The secrets given in the values (not generated ones): their checksum restarts pods when they change. */ -}}
{{- define "nbhub.givenSecrets" -}}
{{- $auth := .Values.auth | default dict -}}
{{- toYaml (dict
  "cookieSecret" .Values.hub.cookieSecret
  "proxyToken" .Values.proxy.secretToken
  "cryptKey" (dig "state" "cryptoKey" "" $auth)
  "dbUrl" .Values.hub.db.url
  "oauthClientSecret" (include "nbhub.oauthClientSecret" .)) -}}
{{- end }}

{{- /*
Labels selecting this release's user pods: the Kubernetes spawner labels them as z2jh does
(app: spawner.kubernetes.appLabel, release: spawner.kubernetes.releaseName, which the chart sets
to the release's name, component: singleuser-server).
*/ -}}
{{- define "nbhub.userPodSelector" -}}
app: {{ .Values.spawner.kubernetes.appLabel | default "jupyterhub" }}
release: {{ .Release.Name }}
component: singleuser-server
{{- end }}

{{- /* The image pull secret the chart creates from singleuser.imagePullSecret. */ -}}
{{- define "nbhub.imagePullSecretName" -}}image-pull-secret{{- end }}

{{- /* Names of the image pull secrets of user pods (singleuser.imagePullSecrets, and the chart's own). */ -}}
{{- define "nbhub.userPullSecrets" -}}
{{- $names := list -}}
{{- range concat .Values.singleuser.imagePullSecrets (.Values.imagePullSecrets | default list) }}
{{- if kindIs "map" . }}{{ $names = append $names .name }}{{ else }}{{ $names = append $names . }}{{ end }}
{{- end }}
{{- if or .Values.singleuser.imagePullSecret.create (include "nbhub.releasePullSecretInjected" .) }}
{{- $names = append $names (include "nbhub.imagePullSecretName" .) -}}
{{- end }}
{{- toYaml ($names | uniq) -}}
{{- end }}

{{- /* "true" when the top-level imagePullSecret is created and given to every pod (z2jh 1.x+). */ -}}
{{- define "nbhub.releasePullSecretInjected" -}}
{{- $s := .Values.imagePullSecret | default dict -}}
{{- if and $s.create (ne (toString $s.automaticReferenceInjection) "false") }}true{{ end -}}
{{- end }}

{{- /*
imagePullSecrets entries of a core pod (hub, proxy, scheduler, pullers): its own image's, the
release's (top-level imagePullSecrets), and the created one. Call with (dict "root" $ "own" <list>).
*/ -}}
{{- define "nbhub.allPullSecrets" -}}
{{- $all := concat (.own | default list) (.root.Values.imagePullSecrets | default list) -}}
{{- if include "nbhub.releasePullSecretInjected" .root }}{{ $all = append $all (include "nbhub.imagePullSecretName" .root) }}{{ end -}}
{{- include "nbhub.pullSecrets" $all }}
{{- end }}

{{- /* Whether user pods may reach the cloud metadata server: "true" or "". */ -}}
{{- define "nbhub.singleuser.metadataAllowed" -}}
{{- $s := .Values.singleuser -}}
{{- if or $s.networkPolicy.egressAllowRules.cloudMetadataServer $s.cloudMetadata.enabled (not $s.cloudMetadata.blockWithIptables) }}true{{ end -}}
{{- end }}

{{- /* A Kubernetes quantity from a size written as a string (1Gi; nbhub's 1K is Kubernetes' 1k) or a number of bytes. */ -}}
{{- define "nbhub.quantity" -}}
{{- kindIs "string" . | ternary (regexReplaceAll "K$" (toString .) "k") (int64 . | toString) -}}
{{- end }}

{{- /* `resources:` with the non-empty parts of a resources section ({requests, limits}), or nothing. */ -}}
{{- define "nbhub.resources" -}}
{{- $out := dict -}}
{{- range $k, $v := . }}{{ if $v }}{{ $_ := set $out $k $v }}{{ end }}{{ end -}}
{{- with $out }}
resources:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{- /*
Tolerations of pods meant for nodes of one purpose: z2jh's taint hub.jupyter.org/dedicated=<purpose>
(both spellings of the key, as the Kubernetes spawner does for user pods), then the extra ones.
Call with (dict "purpose" "core" "extra" <list>).
*/ -}}
{{- define "nbhub.tolerations" -}}
{{- $tolerations := list -}}
{{- range $key := list "hub.jupyter.org/dedicated" "hub.jupyter.org_dedicated" }}
{{- $tolerations = append $tolerations (dict "key" $key "operator" "Equal" "value" $.purpose "effect" "NoSchedule") -}}
{{- end }}
{{- toYaml (concat $tolerations (.extra | default list)) -}}
{{- end }}
