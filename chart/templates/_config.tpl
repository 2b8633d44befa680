{{- /*
The hub's config.yaml: the release's values as they are (they ARE nbhub's config), except for
what only the chart can know or should not be in the config file. chart/README.md lists each change:
  - spawner.kind kubernetes; hub.connectUrl and proxy.api.url name the chart's Services;
  - hub.db.type other (z2jh) becomes postgres or mysql by the scheme of hub.db.url;
  - secrets move to the hub Secret, reaching the hub through the environment variables nbhub
    reads (NBHUB_COOKIE_SECRET, CONFIGPROXY_AUTH_TOKEN, NBHUB_CRYPT_KEY, NBHUB_DB_URL,
    OAUTH_CLIENT_SECRET), and the key is set to null here;
  - proxy.https type manual becomes type secret naming the TLS Secret the chart creates;
  - singleuser.imagePullSecret (create) becomes an entry of singleuser.imagePullSecrets;
  - spawner.kubernetes.releaseName is the release's name (user pods' `release` label);
  - spawner.kubernetes.schedulerName (when null) names the user scheduler with
    scheduling.userScheduler.enabled, and spawner.kubernetes.priorityClassName (when null) the
    user pods' PriorityClass with scheduling.podPriority.enabled;
  - singleuser.schedulerStrategy becomes pod affinity in singleuser.extraPodConfig;
  - singleuser.extraFiles become a volume (the Secret singleuser-files) and one mount per file in
    singleuser.storage.extraVolumes/extraVolumeMounts;
  - the release's imagePullSecret (z2jh 1.x+) password is left out (its Secret is the chart's);
  - Helm's `global` is dropped.
*/ -}}
{{- define "nbhub.hubConfig" -}}
{{- $c := .Values.AsMap | deepCopy -}}
{{- $_ := unset $c "global" -}}

{{- /* User servers are pods. */ -}}
{{- $kind := $c.spawner.kind | default "kubernetes" -}}
{{- if ne $kind "kubernetes" }}{{ fail (printf "spawner.kind: the Helm chart runs user servers as pods (kubernetes), not %s" $kind) }}{{ end -}}
{{- $_ := set $c.spawner "kind" "kubernetes" -}}
{{- $_ := set $c.spawner "kubernetes" (merge (dict "releaseName" .Release.Name) ($c.spawner.kubernetes | default dict)) -}}

{{- /* User pods use the chart's scheduler and priority class (scheduling/). */ -}}
{{- $k := $c.spawner.kubernetes -}}
{{- if and .Values.scheduling.userScheduler.enabled (not $k.schedulerName) }}{{ $_ := set $k "schedulerName" (include "nbhub.userSchedulerName" .) }}{{ end -}}
{{- if and .Values.scheduling.podPriority.enabled (not $k.priorityClassName) }}{{ $_ := set $k "priorityClassName" (include "nbhub.defaultPriorityName" .) }}{{ end -}}

{{- /* Where the hub and the proxy's route API are. */ -}}
{{- $port := include "nbhub.hubPort" . -}}
{{- $_ := set $c.hub "port" (int $port) -}}
{{- $hubHost := eq (include "nbhub.userNamespace" .) .Release.Namespace | ternary "hub" (printf "hub.%s.svc" .Release.Namespace) -}}
{{- if not $c.hub.connectUrl }}{{ $_ := set $c.hub "connectUrl" (printf "http://%s:%s" $hubHost $port) }}{{ end -}}
{{- if not $c.proxy.api.url }}{{ $_ := set $c.proxy.api "url" (printf "http://proxy-api:%s" (include "nbhub.proxy.apiPort" .)) }}{{ end -}}

{{- /* z2jh's hub.db.type other: postgres or mysql by the URL's scheme (the URL itself moves to the hub Secret below). */ -}}
{{- if eq (toString $c.hub.db.type) "other" }}
{{- $scheme := regexFind "^[a-zA-Z0-9+]+" (toString $c.hub.db.url) | lower -}}
{{- $_ := set $c.hub.db "type" (hasPrefix "postgres" $scheme | ternary "postgres" ((or (hasPrefix "mysql" $scheme) (hasPrefix "mariadb" $scheme)) | ternary "mysql" "other")) -}}
{{- end }}

{{- /* Secrets: in the hub Secret, given to the hub as environment variables. */ -}}
{{- $_ := set $c.hub "cookieSecret" nil -}}
{{- $_ := set $c.proxy "secretToken" nil -}}
{{- $_ := set $c.hub.db "url" nil -}}
{{- with $c.auth }}
{{- if and (kindIs "map" .state) (hasKey .state "cryptoKey") }}{{ $_ := set .state "cryptoKey" nil }}{{ end -}}
{{- $section := get (include "nbhub.oauthSections" $ | fromYaml) (.type | default "dummy") -}}
{{- if and $section (kindIs "map" (get . $section)) }}{{ $_ := set (get . $section) "clientSecret" nil }}{{ end -}}
{{- if and (eq (.type | default "") "custom") (kindIs "map" .custom) (kindIs "map" .custom.config) }}{{ $_ := unset .custom.config "client_secret" }}{{ end -}}
{{- end }}

{{- /* A manual certificate is kept in a TLS Secret the proxy mounts. */ -}}
{{- $https := $c.proxy.https -}}
{{- if and $https.enabled (eq $https.type "manual") }}
{{- $_ := set $https "type" "secret" -}}
{{- $_ := set $https "secret" (dict "name" "proxy-manual-tls" "key" "tls.key" "crt" "tls.crt") -}}
{{- $_ := set $https "manual" (dict "key" nil "cert" nil) -}}
{{- end }}

{{- /* User pods: the chart's pull secret and scheduling. */ -}}
{{- $s := $c.singleuser -}}
{{- with $c.imagePullSecret }}{{ $_ := set $c "imagePullSecret" (dict "create" false "automaticReferenceInjection" .automaticReferenceInjection "registry" nil "username" nil "password" nil "email" nil) }}{{ end -}}
{{- with $s.extraFiles }}
{{- $storage := $s.storage -}}
{{- $volumes := include "nbhub.listOrMapValues" $storage.extraVolumes | fromYamlArray -}}
{{- $mounts := include "nbhub.listOrMapValues" $storage.extraVolumeMounts | fromYamlArray -}}
{{- $files := dict "files" . "secret" "singleuser-files" "volume" "files" -}}
{{- $_ := set $storage "extraVolumes" (concat $volumes (include "nbhub.extraFiles.volume" $files | fromYamlArray)) -}}
{{- $_ := set $storage "extraVolumeMounts" (concat $mounts (include "nbhub.extraFiles.mounts" $files | fromYamlArray)) -}}
{{- $_ := set $s "extraFiles" dict -}}
{{- end }}
{{- $_ := set $s "imagePullSecrets" (include "nbhub.userPullSecrets" . | fromYamlArray) -}}
{{- $_ := set $s "imagePullSecret" (dict "create" false "registry" nil "username" nil "password" nil "email" nil) -}}
{{- with $s.schedulerStrategy }}
{{- $term := dict "weight" 100 "podAffinityTerm" (dict "topologyKey" "kubernetes.io/hostname" "labelSelector" (dict "matchLabels" (include "nbhub.userPodSelector" $ | fromYaml))) -}}
{{- $affinity := dict (eq . "pack" | ternary "podAffinity" "podAntiAffinity") (dict "preferredDuringSchedulingIgnoredDuringExecution" (list $term)) -}}
{{- $_ := set $s "extraPodConfig" (merge ($s.extraPodConfig | default dict) (dict "affinity" $affinity)) -}}
{{- $_ := set $s "schedulerStrategy" nil -}}
{{- end }}
{{- toYaml $c -}}
{{- end }}
