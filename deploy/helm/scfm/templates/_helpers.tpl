{{/*
Names, labels and the pieces every workload shares. Templates that describe
one service take a service context: a dict of the chart's root context
("root"), the service's name ("name"), its values ("values") and, where an
image is needed, the service whose binary it runs ("image").
*/}}

{{- define "scfm.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* scfm.fullname is the prefix of every resource name. */}}
{{- define "scfm.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* scfm.componentName is "<fullname>-<service>". */}}
{{- define "scfm.componentName" -}}
{{- printf "%s-%s" (include "scfm.fullname" .root) .name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "scfm.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "scfm.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: scfm
{{- end }}

{{/* scfm.selectorLabels picks the pods of one service (a service context). */}}
{{- define "scfm.selectorLabels" -}}
app.kubernetes.io/name: {{ include "scfm.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{- define "scfm.componentLabels" -}}
{{ include "scfm.labels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{/* scfm.image is the image of a service context; "image" names the service whose binary it runs. */}}
{{- define "scfm.image" -}}
{{- $img := .root.Values.image }}
{{- $own := .values.image }}
{{- $tag := $own.tag | default $img.tag | default .root.Chart.AppVersion }}
{{- $repo := $own.repository }}
{{- if not $repo }}
{{- $repo = printf "%s%s" $img.namePrefix .image }}
{{- if $img.registry }}
{{- $repo = printf "%s/%s" (trimSuffix "/" $img.registry) $repo }}
{{- end }}
{{- end }}
{{- printf "%s:%s" $repo $tag }}
{{- end }}

{{- define "scfm.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "scfm.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* scfm.secretName is the Secret the chart creates for connection URLs. */}}
{{- define "scfm.secretName" -}}
{{- include "scfm.fullname" . }}
{{- end }}

{{/* scfm.createSecret is "true" when some URL is not in an existing Secret. */}}
{{- define "scfm.createSecret" -}}
{{- if or (not .Values.database.existingSecret.name) (not .Values.nats.existingSecret.name) }}true{{ end }}
{{- end }}

{{/* scfm.migrationSecretName holds DATABASE_URL for the migration Jobs,
which run before the release's own Secret exists. */}}
{{- define "scfm.migrationSecretName" -}}
{{- printf "%s-migrations" (include "scfm.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* scfm.databaseURLFrom is the valueFrom of DATABASE_URL. With "hook"
true it points where the migration Jobs read it. */}}
{{- define "scfm.databaseURLFrom" -}}
{{- $root := .root }}
{{- $db := $root.Values.database -}}
secretKeyRef:
{{- if $db.existingSecret.name }}
  name: {{ $db.existingSecret.name }}
  key: {{ $db.existingSecret.key }}
{{- else if .hook }}
  name: {{ include "scfm.migrationSecretName" $root }}
  key: DATABASE_URL
{{- else }}
  name: {{ include "scfm.secretName" $root }}
  key: DATABASE_URL
{{- end }}
{{- end }}

{{- define "scfm.natsURLFrom" -}}
{{- $nats := .Values.nats -}}
secretKeyRef:
{{- if $nats.existingSecret.name }}
  name: {{ $nats.existingSecret.name }}
  key: {{ $nats.existingSecret.key }}
{{- else }}
  name: {{ include "scfm.secretName" . }}
  key: NATS_URL
{{- end }}
{{- end }}

{{/* scfm.publicBaseURL is where providers reach the gateway: the value
when set, else the first ingress host, else the gateway Service inside the
cluster. */}}
{{- define "scfm.publicBaseURL" -}}
{{- $ing := .Values.gateway.ingress }}
{{- if .Values.config.publicBaseURL }}
{{- .Values.config.publicBaseURL }}
{{- else if and $ing.enabled $ing.hosts }}
{{- $host := (first $ing.hosts).host }}
{{- $scheme := "http" }}
{{- range $ing.tls }}{{ if has $host .hosts }}{{ $scheme = "https" }}{{ end }}{{ end }}
{{- printf "%s://%s" $scheme $host }}
{{- else }}
{{- $svc := include "scfm.componentName" (dict "root" . "name" "gateway") }}
{{- $port := int .Values.gateway.service.port }}
{{- printf "http://%s.%s.svc%s" $svc .Release.Namespace (ternary "" (printf ":%d" $port) (eq $port 80)) }}
{{- end }}
{{- end }}

{{/* scfm.validate stops the render on values that cannot work together. */}}
{{- define "scfm.validate" -}}
{{- $db := .Values.database }}
{{- if and $db.url $db.existingSecret.name }}
{{- fail "database.url and database.existingSecret.name are both set: set database.existingSecret.name to \"\" to use database.url, or drop database.url" }}
{{- end }}
{{- if not (or $db.url $db.existingSecret.name) }}
{{- fail "set database.url or database.existingSecret.name: the services need a PostgreSQL URL" }}
{{- end }}
{{- if not (or .Values.nats.url .Values.nats.existingSecret.name) }}
{{- fail "set nats.url or nats.existingSecret.name: the services need a NATS URL" }}
{{- end }}
{{- $shutdown := .Values.config.shutdownTimeout }}
{{- if regexMatch "^([0-9]+m)?([0-9]+s)?$" $shutdown }}
{{- $minutes := regexFind "[0-9]+m" $shutdown | trimSuffix "m" | default "0" | int }}
{{- $seconds := regexFind "[0-9]+s" $shutdown | trimSuffix "s" | default "0" | int }}
{{- $need := add (mul $minutes 60) $seconds .Values.gateway.preStopSleepSeconds }}
{{- if le (int .Values.terminationGracePeriodSeconds) (int $need) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed config.shutdownTimeout plus gateway.preStopSleepSeconds (%d)" (int .Values.terminationGracePeriodSeconds) (int $need)) }}
{{- end }}
{{- end }}
{{- end }}

{{/* scfm.podSpecCommon is what every pod spec shares (root context). */}}
{{- define "scfm.podSpecCommon" -}}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.image.pullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- end }}

{{/* scfm.tmpVolume gives the read-only root a writable /tmp. */}}
{{- define "scfm.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end }}

{{- define "scfm.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}

{{/* scfm.goMemLimit lets the Go runtime collect before the memory limit is reached. */}}
{{- define "scfm.goMemLimit" -}}
- name: GOMEMLIMIT
  valueFrom:
    resourceFieldRef:
      resource: limits.memory
{{- end }}
