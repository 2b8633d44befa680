{{- /*
Scheduling (z2jh's scheduling.*): the user scheduler (a kube-scheduler packing user pods onto the
fullest nodes, so that autoscalers can remove empty ones), pod priority classes, and user
placeholders (pause pods holding room for arriving users, evicted by real user pods).
*/ -}}

{{- /* The user scheduler's name: its profile's schedulerName, and user pods' spec.schedulerName. */ -}}
{{- define "nbhub.userSchedulerName" -}}{{ .Release.Name }}-user-scheduler{{- end }}

{{- /* PriorityClass of user pods (and the chart's other pods) with scheduling.podPriority. */ -}}
{{- define "nbhub.defaultPriorityName" -}}{{ .Release.Name }}-default-priority{{- end }}

{{- /* PriorityClass of the user placeholders: lower, so that user pods preempt them. */ -}}
{{- define "nbhub.placeholderPriorityName" -}}{{ .Release.Name }}-user-placeholder-priority{{- end }}

{{- /* PriorityClass of the image pullers: between user pods and placeholders. */ -}}
{{- define "nbhub.imagePullerPriorityName" -}}{{ .Release.Name }}-image-puller-priority{{- end }}

{{- /* The user scheduler's KubeSchedulerConfiguration: one profile, leader election on a Lease in the release's namespace. */ -}}
{{- define "nbhub.userScheduler.config" -}}
{{- $us := .Values.scheduling.userScheduler -}}
{{- $profile := dict "schedulerName" (include "nbhub.userSchedulerName" .) -}}
{{- with $us.plugins }}{{ $_ := set $profile "plugins" . }}{{ end -}}
{{- with $us.pluginConfig }}{{ $_ := set $profile "pluginConfig" . }}{{ end -}}
{{- toYaml (dict
  "apiVersion" "kubescheduler.config.k8s.io/v1"
  "kind" "KubeSchedulerConfiguration"
  "leaderElection" (dict "leaderElect" true "resourceLock" "leases" "resourceName" "user-scheduler" "resourceNamespace" .Release.Namespace)
  "profiles" (list $profile)) -}}
{{- end }}

{{- /*
Node affinity of user pods, as the Kubernetes spawner gives it to them
(scheduling.userPods.nodeAffinity.matchNodePurpose, singleuser.extraNodeAffinity), or nothing.
*/ -}}
{{- define "nbhub.userPodAffinity" -}}
{{- $purpose := dict "matchExpressions" (list (dict "key" "hub.jupyter.org/node-purpose" "operator" "In" "values" (list "user"))) -}}
{{- $mode := .Values.scheduling.userPods.nodeAffinity.matchNodePurpose -}}
{{- $extra := .Values.singleuser.extraNodeAffinity -}}
{{- $required := concat (eq $mode "require" | ternary (list $purpose) list) $extra.required -}}
{{- $preferred := concat (eq $mode "prefer" | ternary (list (dict "weight" 100 "preference" $purpose)) list) $extra.preferred -}}
{{- $node := dict -}}
{{- with $required }}{{ $_ := set $node "requiredDuringSchedulingIgnoredDuringExecution" (dict "nodeSelectorTerms" .) }}{{ end -}}
{{- with $preferred }}{{ $_ := set $node "preferredDuringSchedulingIgnoredDuringExecution" . }}{{ end -}}
{{- with $node }}{{ toYaml (dict "nodeAffinity" .) }}{{ end -}}
{{- end }}

{{- /* A user pod's resources ({requests, limits}) as the Kubernetes spawner sets them from singleuser.cpu and singleuser.memory. */ -}}
{{- define "nbhub.userPodResources" -}}
{{- $s := .Values.singleuser -}}
{{- $requests := dict -}}
{{- $limits := dict -}}
{{- if not (kindIs "invalid" $s.cpu.guarantee) }}{{ $_ := set $requests "cpu" (toString $s.cpu.guarantee) }}{{ end -}}
{{- if not (kindIs "invalid" $s.memory.guarantee) }}{{ $_ := set $requests "memory" (include "nbhub.quantity" $s.memory.guarantee) }}{{ end -}}
{{- if not (kindIs "invalid" $s.cpu.limit) }}{{ $_ := set $limits "cpu" (toString $s.cpu.limit) }}{{ end -}}
{{- if not (kindIs "invalid" $s.memory.limit) }}{{ $_ := set $limits "memory" (include "nbhub.quantity" $s.memory.limit) }}{{ end -}}
{{- toYaml (dict "requests" $requests "limits" $limits) -}}
{{- end }}
