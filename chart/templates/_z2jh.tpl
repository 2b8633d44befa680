{{- /*
Pieces for the Kubernetes-object keys z2jh 4 gives each component: probes, security contexts
merged over the chart's own, extra files kept in a Secret and mounted one by one.
*/ -}}

{{- /*
A probe from z2jh's probe values ({enabled, initialDelaySeconds, periodSeconds, ...}) and the
chart's check. Call with (dict "name" "livenessProbe" "probe" <values> "check" <dict>); nothing
when enabled is false.
*/ -}}
{{- define "nbhub.probe" -}}
{{- if ne (toString (dig "enabled" true .probe)) "false" }}
{{ .name }}:
  {{- toYaml (merge (omit .probe "enabled") .check) | nindent 2 }}
{{- end }}
{{- end }}

{{- /*
A security context: the given keys over the chart's. Call with (dict "name" "securityContext"
"given" <values> "base" <dict>).
*/ -}}
{{- define "nbhub.securityContext" -}}
{{- $sc := merge (deepCopy (.given | default dict)) .base -}}
{{- with $sc }}
{{ $.name }}:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{- /* The Secret's entries for extraFiles: stringData (text and structured data) and data (binaryData). Call with the extraFiles map. */ -}}
{{- define "nbhub.extraFiles.stringData" -}}
{{- range $name, $f := . }}
{{- if hasKey $f "stringData" }}
{{ $name }}: {{ $f.stringData | quote }}
{{- else if hasKey $f "data" }}
{{- $ext := $f.mountPath | base | ext }}
{{- if has $ext (list ".yaml" ".yml") }}
{{ $name }}: {{ toYaml $f.data | quote }}
{{- else if eq $ext ".json" }}
{{ $name }}: {{ toJson $f.data | quote }}
{{- else if eq $ext ".toml" }}
{{ $name }}: {{ toToml $f.data | quote }}
{{- else }}
{{- fail (printf "extraFiles.%s.data: %s must end in .yaml, .yml, .json or .toml to say how to write the data (or use stringData)" $name $f.mountPath) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{- define "nbhub.extraFiles.binaryData" -}}
{{- range $name, $f := . }}
{{- if hasKey $f "binaryData" }}
{{ $name }}: {{ $f.binaryData | nospace | quote }}
{{- end }}
{{- end }}
{{- end }}

{{- /* Checks each file has exactly one content key. Call with (dict "files" <map> "key" "hub.extraFiles"). */ -}}
{{- define "nbhub.extraFiles.check" -}}
{{- range $name, $f := .files }}
{{- $n := 0 }}
{{- range list "data" "stringData" "binaryData" }}{{ if hasKey $f . }}{{ $n = add1 $n }}{{ end }}{{ end }}
{{- if ne $n 1 }}{{ fail (printf "%s.%s: needs exactly one of data, stringData, binaryData" $.key $name) }}{{ end }}
{{- end }}
{{- end }}

{{- /* The volume with the files. Call with (dict "files" <map> "secret" <Secret name> "volume" <volume name>). */ -}}
{{- define "nbhub.extraFiles.volume" -}}
- name: {{ .volume }}
  secret:
    secretName: {{ .secret }}
    items:
      {{- range $name, $f := .files }}
      - key: {{ $name | quote }}
        path: {{ $name | quote }}
        {{- with $f.mode }}
        mode: {{ . }}
        {{- end }}
      {{- end }}
{{- end }}

{{- /* One mount per file (subPath), so each lands at its own mountPath. Call like nbhub.extraFiles.volume. */ -}}
{{- define "nbhub.extraFiles.mounts" -}}
{{- range $name, $f := .files }}
- name: {{ $.volume }}
  mountPath: {{ $f.mountPath | quote }}
  subPath: {{ $name | quote }}
{{- end }}
{{- end }}

{{- /* The hub's ServiceAccount: hub.serviceAccount.name, or hub. */ -}}
{{- define "nbhub.hub.serviceAccountName" -}}
{{- .Values.hub.serviceAccount.name | default "hub" -}}
{{- end }}

{{- /* A list as is, or the values of a mapping in key order (z2jh's extraVolumes in either shape), as YAML. */ -}}
{{- define "nbhub.listOrMapValues" -}}
{{- if kindIs "map" . -}}
{{- $out := list -}}
{{- range $k := keys . | sortAlpha }}{{ $out = append $out (get $ $k) }}{{ end -}}
{{- toYaml $out -}}
{{- else -}}
{{- toYaml (. | default list) -}}
{{- end -}}
{{- end }}

{{- /*
z2jh's per-component pod keys applied to a rendered Deployment/StatefulSet/DaemonSet/Job. Call with
(dict "object" <its YAML> "labels" <map> "annotations" <map> "containerSecurityContext" <map>
"extraPodSpec" <map> "revisionHistoryLimit" <int or nil>): labels and annotations are added to the
pod template (the chart's selector labels win), the security context is merged over each
container's (given keys win), extraPodSpec is merged over the pod spec last.
*/ -}}
{{- define "nbhub.podExtras" -}}
{{- $o := fromYaml .object -}}
{{- if hasKey $o "Error" }}{{ fail (printf "nbhub.podExtras: %s" $o.Error) }}{{ end -}}
{{- $tpl := $o.spec.template -}}
{{- with .labels }}{{ $_ := set $tpl.metadata "labels" (merge ($tpl.metadata.labels | default dict) (deepCopy .)) }}{{ end -}}
{{- with .annotations }}{{ $_ := set $tpl.metadata "annotations" (merge (deepCopy .) ($tpl.metadata.annotations | default dict)) }}{{ end -}}
{{- $sc := .containerSecurityContext -}}
{{- if $sc }}
{{- range $c := $tpl.spec.containers }}{{ $_ := set $c "securityContext" (merge (deepCopy $sc) ($c.securityContext | default dict)) }}{{ end -}}
{{- end }}
{{- with .extraPodSpec }}{{ $_ := set $tpl "spec" (mergeOverwrite $tpl.spec (deepCopy .)) }}{{ end -}}
{{- if not (kindIs "invalid" .revisionHistoryLimit) }}{{ $_ := set $o.spec "revisionHistoryLimit" .revisionHistoryLimit }}{{ end -}}
{{ toYaml $o }}
{{- end }}
