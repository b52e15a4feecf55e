{{/*
crm-lib.all: every resource of a CRM chart, one YAML document each, separated by "---".
Documents that render empty (disabled HPA, PDB, ...) are left out. A service chart's only
template (templates/all.yaml) is one line that includes crm-lib.all with the chart's root context.
*/}}
{{- define "crm-lib.all" -}}
{{- $docs := list (include "crm-lib.configMap" .) (include "crm-lib.deployment" .) (include "crm-lib.service" .) (include "crm-lib.grpcService" .) (include "crm-lib.hpa" .) (include "crm-lib.pdb" .) (include "crm-lib.networkPolicy" .) (include "crm-lib.serviceMonitor" .) -}}
{{- range $docs }}
{{- if trim . }}
---
{{ trim . }}
{{- end }}
{{- end }}
{{- end -}}
