{{- /*
nbhub.pdb: the PodDisruptionBudget of one kind of core pod (hub, proxy, user-scheduler), from
a z2jh `pdb` section: nothing unless enabled and one of minAvailable/maxUnavailable is set;
minAvailable wins. Call with (dict "root" $ "component" "hub" "pdb" .Values.hub.pdb).
*/ -}}
{{- define "nbhub.pdb" -}}
{{- $pdb := .pdb -}}
{{- if and $pdb.enabled (or (not (kindIs "invalid" $pdb.minAvailable)) (not (kindIs "invalid" $pdb.maxUnavailable))) }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ .component }}
  labels:
    {{- include "nbhub.labels" (dict "root" .root "component" .component) | nindent 4 }}
spec:
  {{- if not (kindIs "invalid" $pdb.minAvailable) }}
  minAvailable: {{ $pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ $pdb.maxUnavailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "nbhub.selectorLabels" (dict "root" .root "component" .component) | nindent 6 }}
{{- end }}
{{- end }}
