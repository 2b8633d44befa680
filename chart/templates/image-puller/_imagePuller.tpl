{{- /*
Image pre-pulling (z2jh's prePuller): a DaemonSet whose init containers are the images to pull
(each exits at once) and whose one container is a pause image. Run as a Helm hook before an
install/upgrade finishes (hook-image-puller, awaited by the hook-image-awaiter Job), and/or
continuously so that nodes added later pull too (continuous-image-puller).
*/ -}}

{{- /* The images to pull, as a list of {name, image, policy}: the user image, the image of the
     init container blocking the cloud metadata server (when it runs), the images of profileList
     overrides, and prePuller.extraImages. */ -}}
{{- define "nbhub.imagePuller.images" -}}
{{- $s := .Values.singleuser -}}
{{- $images := list (dict "name" "image-pull-singleuser" "image" (printf "%s:%s" $s.image.name (toString ($s.image.tag | default "latest"))) "policy" ($s.image.pullPolicy | default $s.imagePullPolicy)) -}}
{{- $tools := dig "networkTools" "image" dict $s -}}
{{- if and $tools.name $s.cloudMetadata.blockWithIptables (not $s.cloudMetadata.enabled) }}
{{- $images = append $images (dict "name" "image-pull-metadata-block" "image" (printf "%s:%s" $tools.name (toString ($tools.tag | default "latest"))) "policy" $tools.pullPolicy) -}}
{{- end }}
{{- range $i, $profile := (.Values.prePuller.pullProfileListImages | ternary $s.profileList list) }}
{{- with (dig "kubespawner_override" "image" "" $profile) }}
{{- $images = append $images (dict "name" (printf "image-pull-singleuser-profilelist-%d" $i) "image" . "policy" nil) -}}
{{- end }}
{{- end }}
{{- range $key, $extra := .Values.prePuller.extraImages }}
{{- $name := printf "image-pull-%s" (regexReplaceAll "[^a-z0-9-]+" ($key | lower) "-") | trunc 63 | trimSuffix "-" -}}
{{- $images = append $images (dict "name" $name "image" (printf "%s:%s" $extra.name (toString ($extra.tag | default "latest"))) "policy" ($extra.pullPolicy | default $extra.policy)) -}}
{{- end }}
{{- toYaml $images -}}
{{- end }}

{{- /* Helm hook annotations of the pre-pull hook's objects; the weight (the argument) orders them. */ -}}
{{- define "nbhub.imagePuller.hookAnnotations" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
helm.sh/hook-weight: {{ . | quote }}
{{- end }}

{{- /* The DaemonSet with prePuller's pod keys (labels, annotations, revisionHistoryLimit). Call with (dict "root" $ "name" "hook-image-puller" "hook" true). */ -}}
{{- define "nbhub.imagePuller.daemonSet" -}}
{{- $pre := .root.Values.prePuller -}}
{{- include "nbhub.podExtras" (dict "object" (include "nbhub.imagePuller.daemonSetBase" .) "labels" $pre.labels "annotations" $pre.annotations "revisionHistoryLimit" $pre.revisionHistoryLimit) }}
{{- end }}

{{- define "nbhub.imagePuller.daemonSetBase" -}}
{{- $root := .root -}}
{{- $pre := $root.Values.prePuller -}}
{{- $s := $root.Values.singleuser -}}
{{- $userPods := $root.Values.scheduling.userPods -}}
{{- $dsAnnotations := (.hook | ternary $pre.hook.daemonsetAnnotations $pre.continuous.daemonsetAnnotations) | default dict -}}
{{- $sa := .hook | ternary $pre.hook.serviceAccountImagePuller $pre.continuous.serviceAccount -}}
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {{ .name }}
  labels:
    {{- include "nbhub.labels" (dict "root" $root "component" .name) | nindent 4 }}
  {{- if or .hook $dsAnnotations }}
  annotations:
    {{- if .hook }}
    # Created, and awaited, before the rest of an install or upgrade; deleted afterwards.
    {{- include "nbhub.imagePuller.hookAnnotations" -10 | nindent 4 }}
    {{- end }}
    {{- with $dsAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "nbhub.selectorLabels" (dict "root" $root "component" .name) | nindent 6 }}
  updateStrategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 100%
  template:
    metadata:
      labels:
        {{- include "nbhub.selectorLabels" (dict "root" $root "component" .name) | nindent 8 }}
    spec:
      automountServiceAccountToken: false
      {{- if and $root.Values.rbac.enabled $sa.name }}
      serviceAccountName: {{ $sa.name }}
      {{- end }}
      terminationGracePeriodSeconds: 0
      {{- if $root.Values.scheduling.podPriority.enabled }}
      priorityClassName: {{ include "nbhub.imagePullerPriorityName" $root }}
      {{- end }}
      {{- with concat $s.image.pullSecrets (include "nbhub.userPullSecrets" $root | fromYamlArray) | uniq }}
      imagePullSecrets:
        {{- include "nbhub.pullSecrets" . | nindent 8 }}
      {{- end }}
      {{- with merge (deepCopy (.hook | ternary $pre.hook.nodeSelector dict | default dict)) $s.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      tolerations:
        {{- include "nbhub.tolerations" (dict "purpose" "user" "extra" (concat $userPods.tolerations $s.extraTolerations $pre.extraTolerations (.hook | ternary $pre.hook.tolerations list | default list))) | nindent 8 }}
      {{- with include "nbhub.nodePurposeAffinity" (dict "mode" $userPods.nodeAffinity.matchNodePurpose "purpose" "user") | trim }}
      affinity:
        {{- . | nindent 8 }}
      {{- end }}
      initContainers:
        {{- range include "nbhub.imagePuller.images" $root | fromYamlArray }}
        - name: {{ .name }}
          image: {{ .image | quote }}
          {{- with .policy }}
          imagePullPolicy: {{ . }}
          {{- end }}
          command: ["/bin/sh", "-c", "echo Pulling complete"]
          {{- with include "nbhub.resources" $pre.resources | trim }}
          {{- . | nindent 10 }}
          {{- end }}
          {{- include "nbhub.securityContext" (dict "name" "securityContext" "given" $pre.containerSecurityContext "base" (dict "runAsUser" 65534 "runAsGroup" 65534 "allowPrivilegeEscalation" false)) | nindent 10 }}
        {{- end }}
      containers:
        - name: pause
          {{- include "nbhub.image" (dict "image" $pre.pause.image "defaultTag" "3.10" "legacyPolicy" nil) | nindent 10 }}
          {{- with include "nbhub.resources" $pre.resources | trim }}
          {{- . | nindent 10 }}
          {{- end }}
          {{- include "nbhub.securityContext" (dict "name" "securityContext" "given" $pre.pause.containerSecurityContext "base" (dict "runAsUser" 65534 "runAsGroup" 65534 "allowPrivilegeEscalation" false)) | nindent 10 }}
{{- end }}
