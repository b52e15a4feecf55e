{{/*
dev-infra labels. Called with (dict "root" $ "name" "mongo" "component" "database").
Selectors use name + instance only (dev-infra.selectorLabels).
*/}}
{{- define "dev-infra.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "dev-infra.labels" -}}
{{ include "dev-infra.selectorLabels" . }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: crm-dev-infra
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}
