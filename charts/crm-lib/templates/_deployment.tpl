{{/*
crm-lib.deployment: the Deployment of one CRM process (a service or the gateway).
Fixed ports: http 8080 (REST, HTTP/1.1), management 8090 (/health/live, /health/ready),
grpc 8081 (h2c) only when .Values.grpc.enabled. Secrets are only referenced (secretEnv).
*/}}
{{- define "crm-lib.deployment" -}}
{{- $fullname := include "crm-lib.fullname" . -}}
{{- $name := include "crm-lib.name" . -}}
{{- $defaultResources := dict "requests" (dict "cpu" "100m" "memory" "192Mi") "limits" (dict "memory" "512Mi") -}}
{{- $otlpEndpoint := "" -}}
{{- if kindIs "map" .Values.global -}}
{{- $otlpEndpoint = .Values.global.otlpEndpoint | default "" -}}
{{- end -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "crm-lib.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  selector:
    matchLabels:
      {{- include "crm-lib.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "crm-lib.labels" . | nindent 8 }}
      annotations:
        checksum/config: {{ include "crm-lib.configMap" . | sha256sum }}
        {{- with .Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      automountServiceAccountToken: false
      enableServiceLinks: false
      terminationGracePeriodSeconds: 30
      securityContext:
        runAsNonRoot: true
        runAsUser: 1654
        runAsGroup: 1654
        fsGroup: 1654
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: {{ $name }}
          image: {{ include "crm-lib.image" . | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy | default "IfNotPresent" }}
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
            {{- if .Values.grpc.enabled }}
            - name: grpc
              containerPort: 8081
              protocol: TCP
            {{- end }}
            - name: management
              containerPort: 8090
              protocol: TCP
          env:
            - name: Ports__Http
              value: "8080"
            - name: Ports__Management
              value: "8090"
            {{- if .Values.grpc.enabled }}
            - name: Ports__Grpc
              value: "8081"
            {{- end }}
            - name: OTEL_SERVICE_NAME
              value: {{ printf "crm-%s" $name | quote }}
            {{- if $otlpEndpoint }}
            - name: OTEL_EXPORTER_OTLP_ENDPOINT
              value: {{ $otlpEndpoint | quote }}
            {{- end }}
            {{- range $cluster, $route := .Values.routes }}
            - name: {{ printf "ReverseProxy__Clusters__%s__Destinations__primary__Address" $cluster }}
              value: {{ required (printf "routes.%s.address is required" $cluster) $route.address | quote }}
            {{- if $route.health }}
            - name: {{ printf "Gateway__Backends__%s__Health" $cluster }}
              value: {{ $route.health | quote }}
            {{- end }}
            {{- if hasKey $route "required" }}
            - name: {{ printf "Gateway__Backends__%s__Required" $cluster }}
              value: {{ $route.required | toString | quote }}
            {{- end }}
            {{- end }}
            {{- range $key, $value := .Values.env }}
            - name: {{ $key }}
              value: {{ $value | toString | quote }}
            {{- end }}
            {{- range $key, $ref := .Values.secretEnv }}
            - name: {{ $key }}
              valueFrom:
                secretKeyRef:
                  name: {{ required (printf "secretEnv.%s.secretName is required" $key) $ref.secretName }}
                  key: {{ required (printf "secretEnv.%s.key is required" $key) $ref.key }}
                  {{- if $ref.optional }}
                  optional: true
                  {{- end }}
            {{- end }}
          {{- if .Values.config }}
          envFrom:
            - configMapRef:
                name: {{ $fullname }}
          {{- end }}
          startupProbe:
            httpGet:
              path: /health/live
              port: management
            periodSeconds: 2
            timeoutSeconds: 2
            failureThreshold: 60
          livenessProbe:
            httpGet:
              path: /health/live
              port: management
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /health/ready
              port: management
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 3
          resources:
            {{- toYaml (.Values.resources | default $defaultResources) | nindent 12 }}
          securityContext:
            runAsNonRoot: true
            runAsUser: 1654
            runAsGroup: 1654
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            capabilities:
              drop:
                - ALL
            seccompProfile:
              type: RuntimeDefault
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 256Mi
      {{- with .Values.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- range . }}
        - maxSkew: {{ .maxSkew | default 1 }}
          topologyKey: {{ required "topologySpreadConstraints[].topologyKey is required" .topologyKey }}
          whenUnsatisfiable: {{ .whenUnsatisfiable | default "ScheduleAnyway" }}
          labelSelector:
            matchLabels:
              {{- include "crm-lib.selectorLabels" $ | nindent 14 }}
        {{- end }}
      {{- end }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
