{{/*
crm-lib.configMap: non-secret settings from .Values.config (map ENV_NAME -> value), loaded into the
container with envFrom; rendered only when .Values.config has entries. Its checksum is a pod
annotation, so changing a value rolls the pods.
*/}}
{{- define "crm-lib.configMap" -}}
{{- if .Values.config }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "crm-lib.fullname" . }}
  labels:
    {{- include "crm-lib.labels" . | nindent 4 }}
data:
  {{- range $key, $value := .Values.config }}
  {{ $key }}: {{ $value | toString | quote }}
  {{- end }}
{{- end }}
{{- end -}}
