{{/*
crm-lib.pdb: policy/v1 PodDisruptionBudget, only when .Values.pdb.enabled.
Uses pdb.minAvailable when set, otherwise pdb.maxUnavailable (default 1); never both.
*/}}
{{- define "crm-lib.pdb" -}}
{{- if .Values.pdb.enabled }}
{{- $hasMin := and (hasKey .Values.pdb "minAvailable") (not (kindIs "invalid" .Values.pdb.minAvailable)) -}}
{{- $hasMax := and (hasKey .Values.pdb "maxUnavailable") (not (kindIs "invalid" .Values.pdb.maxUnavailable)) -}}
{{- if and $hasMin $hasMax -}}
{{- fail (printf "%s: set pdb.minAvailable or pdb.maxUnavailable, not both" .Chart.Name) -}}
{{- end }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "crm-lib.fullname" . }}
  labels:
    {{- include "crm-lib.labels" . | nindent 4 }}
spec:
  {{- if $hasMin }}
  minAvailable: {{ .Values.pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ .Values.pdb.maxUnavailable | default 1 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "crm-lib.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}
