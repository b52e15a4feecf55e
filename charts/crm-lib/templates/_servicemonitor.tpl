{{/*
crm-lib.serviceMonitor: Prometheus Operator ServiceMonitor (monitoring.coreos.com/v1) scraping
port management, path /metrics (served by every process on its management port). OFF by default
(serviceMonitor.enabled: false) because it needs the Prometheus Operator's CRDs.
*/}}
{{- define "crm-lib.serviceMonitor" -}}
{{- if .Values.serviceMonitor.enabled }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "crm-lib.fullname" . }}
  labels:
    {{- include "crm-lib.labels" . | nindent 4 }}
    {{- with .Values.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "crm-lib.selectorLabels" . | nindent 6 }}
  endpoints:
    - port: management
      path: /metrics
      interval: {{ .Values.serviceMonitor.interval | default "30s" }}
{{- end }}
{{- end -}}
