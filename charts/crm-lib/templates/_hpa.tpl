{{/* crm-lib.hpa: autoscaling/v2 HorizontalPodAutoscaler on CPU, only when .Values.autoscaling.enabled. */}}
{{- define "crm-lib.hpa" -}}
{{- if .Values.autoscaling.enabled }}
{{- $min := int .Values.autoscaling.minReplicas -}}
{{- $max := int .Values.autoscaling.maxReplicas -}}
{{- if gt $min $max -}}
{{- fail (printf "%s: autoscaling.minReplicas (%d) is greater than autoscaling.maxReplicas (%d)" .Chart.Name $min $max) -}}
{{- end }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "crm-lib.fullname" . }}
  labels:
    {{- include "crm-lib.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "crm-lib.fullname" . }}
  minReplicas: {{ $min }}
  maxReplicas: {{ $max }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ int .Values.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- end -}}
