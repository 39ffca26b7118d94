{{/* The chart name, or nameOverride. */}}
{{- define "kscale.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The prefix of object names: the release name when it contains the chart name. At most 44
   characters, so that <fullname>-controller-metrics is a valid Service name. */}}
{{- define "kscale.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 44 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 44 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 44 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Deployment, ClusterRole(Binding), PDB, ServiceMonitor and the Lease: <fullname>-controller. */}}
{{- define "kscale.controllerName" -}}
{{- printf "%s-controller" (include "kscale.fullname" .) }}
{{- end }}

{{- define "kscale.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kscale.controllerName" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Labels Helm adds to every object's metadata (on top of the selector labels). */}}
{{- define "kscale.helmLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | quote }}
{{- end }}

{{- define "kscale.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kscale.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end }}

{{- define "kscale.labels" -}}
{{ include "kscale.selectorLabels" . }}
{{ include "kscale.helmLabels" . }}
{{- end }}

{{/* A value that was set: not null and not the empty string (0 and false count as set). */}}
{{- define "kscale.isSet" -}}
{{- if and (not (kindIs "invalid" .)) (ne (toString .) "") }}true{{ end }}
{{- end }}

{{/* replicaCount, or when unset: 2 (one acts, one waits with warm caches), 3 with sharding as
   deploy/overlays/sharding. */}}
{{- define "kscale.replicas" -}}
{{- if kindIs "invalid" .Values.replicaCount }}{{ ternary 3 2 .Values.sharding.enabled }}{{ else }}{{ .Values.replicaCount }}{{ end }}
{{- end }}

{{/* The container's arguments: `run` and the flags whose values differ from the controller's defaults.
   With sharding, `run --sharding=true` as deploy/overlays/sharding: --leader-elect keeps its default
   (true), which --sharding needs, and --leader-election-id then names the group of member Leases. */}}
{{- define "kscale.args" -}}
{{- $args := list "run" }}
{{- if .Values.sharding.enabled }}
{{- $args = append $args "--sharding=true" }}
{{- else }}
{{- $args = append $args (printf "--leader-elect=%t" .Values.leaderElection.enabled) }}
{{- end }}
{{- $lease := include "kscale.controllerName" . }}
{{- if and .Values.leaderElection.enabled (ne $lease "kscale-controller") }}
{{- $args = append $args (printf "--leader-election-id=%s" $lease) }}
{{- end }}
{{- with .Values.watchNamespaces }}
{{- $args = append $args (printf "--namespace=%s" (join "," .)) }}
{{- end }}
{{- with .Values.labelSelector }}
{{- $args = append $args (printf "--label-selector=%s" .) }}
{{- end }}
{{- with .Values.logLevel }}
{{- $args = append $args (printf "--log-level=%s" .) }}
{{- end }}
{{- $flags := dict "tolerance" "tolerance" "syncPeriod" "sync-period" "cpuInitializationPeriod" "cpu-initialization-period" "initialReadinessDelay" "initial-readiness-delay" "downscaleStabilization" "downscale-stabilization" }}
{{- range $key := keys $flags | sortAlpha }}
{{- $v := index $.Values.controller $key }}
{{- if include "kscale.isSet" $v }}
{{- $args = append $args (printf "--%s=%v" (index $flags $key) $v) }}
{{- end }}
{{- end }}
{{- $args = concat $args .Values.extraArgs }}
{{- toYaml $args }}
{{- end }}
