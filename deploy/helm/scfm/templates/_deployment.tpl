{{/*
scfm.deployment renders the Deployment of one service. Besides the service
context it takes "args" (the binary's subcommand), "database" (whether the
service needs DATABASE_URL), "addrEnv" (the variable naming its listen
address), and "livePath" and "readyPath" (its probe paths). Topology spread
constraints without a labelSelector get the service's pod labels.
*/}}
{{- define "scfm.deployment" -}}
{{- $ctx := . }}
{{- $root := .root }}
{{- $v := .values }}
{{- $autoscaled := and (hasKey $v "autoscaling") $v.autoscaling.enabled }}
{{- $preStop := 0 }}
{{- if hasKey $v "preStopSleepSeconds" }}{{ $preStop = int $v.preStopSleepSeconds }}{{ end }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "scfm.componentName" . }}
  labels:
    {{- include "scfm.componentLabels" . | nindent 4 }}
spec:
  {{- if not $autoscaled }}
  replicas: {{ $v.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "scfm.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "scfm.componentLabels" . | nindent 8 }}
        {{- with $v.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        checksum/secret: {{ include (print $root.Template.BasePath "/secret.yaml") $root | sha256sum }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "scfm.serviceAccountName" $root }}
      {{- include "scfm.podSpecCommon" $root | nindent 6 }}
      terminationGracePeriodSeconds: {{ $root.Values.terminationGracePeriodSeconds }}
      containers:
        - name: {{ .name }}
          image: {{ include "scfm.image" . | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args:
            - {{ .args }}
          ports:
            - name: http
              containerPort: {{ $v.port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "scfm.fullname" $root }}
          env:
            - name: {{ .addrEnv }}
              value: {{ printf ":%d" (int $v.port) | quote }}
            - name: NATS_URL
              valueFrom:
                {{- include "scfm.natsURLFrom" $root | nindent 16 }}
            {{- if .database }}
            - name: DATABASE_URL
              valueFrom:
                {{- include "scfm.databaseURLFrom" (dict "root" $root "hook" false) | nindent 16 }}
            {{- end }}
            {{- include "scfm.goMemLimit" . | nindent 12 }}
            {{- with $v.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          startupProbe:
            httpGet:
              path: {{ .livePath }}
              port: http
            {{- toYaml $root.Values.probes.startup | nindent 12 }}
          livenessProbe:
            httpGet:
              path: {{ .livePath }}
              port: http
            {{- toYaml $root.Values.probes.liveness | nindent 12 }}
          readinessProbe:
            httpGet:
              path: {{ .readyPath }}
              port: http
            {{- toYaml $root.Values.probes.readiness | nindent 12 }}
          {{- if gt $preStop 0 }}
          lifecycle:
            preStop:
              sleep:
                seconds: {{ $preStop }}
          {{- end }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          volumeMounts:
            {{- include "scfm.tmpMount" . | nindent 12 }}
      volumes:
        {{- include "scfm.tmpVolume" . | nindent 8 }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- range . }}
        {{- $c := deepCopy . }}
        {{- if not (hasKey $c "labelSelector") }}
        {{- $_ := set $c "labelSelector" (dict "matchLabels" (include "scfm.selectorLabels" $ctx | fromYaml)) }}
        {{- end }}
        - {{ toYaml $c | indent 10 | trim }}
        {{- end }}
      {{- end }}
{{- end }}
