{{/*
crm-lib helpers. Every template here is called with the including chart's root context (.),
so .Chart, .Release and .Values are the service chart's.
*/}}

{{/* The chart name (contacts, leads, ...): the app.kubernetes.io/name label. */}}
{{- define "crm-lib.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Resource name: .Values.fullnameOverride or the chart name, never prefixed with the release name,
so the Service names are the fixed ones the other services use (contacts, contacts-grpc, leads, ...).
*/}}
{{- define "crm-lib.fullname" -}}
{{- default .Chart.Name .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* chart name and version, for the helm.sh/chart label. */}}
{{- define "crm-lib.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels: name + instance only (they never change across upgrades). */}}
{{- define "crm-lib.selectorLabels" -}}
app.kubernetes.io/name: {{ include "crm-lib.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Common labels of every resource. */}}
{{- define "crm-lib.labels" -}}
{{ include "crm-lib.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | default .Chart.Version | quote }}
app.kubernetes.io/component: {{ .Values.component | default "backend" }}
app.kubernetes.io/part-of: crm
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "crm-lib.chart" . }}
{{- end -}}

{{/* The image reference; the tag is required and must be a fixed version. */}}
{{- define "crm-lib.image" -}}
{{- $tag := required (printf "%s: image.tag is required; set a fixed version such as 0.1.0 (there is no default)" .Chart.Name) .Values.image.tag | toString -}}
{{- if eq $tag "latest" -}}
{{- fail (printf "%s: image.tag must be a fixed version, not 'latest'" .Chart.Name) -}}
{{- end -}}
{{- printf "%s:%s" (required (printf "%s: image.repository is required" .Chart.Name) .Values.image.repository) $tag -}}
{{- end -}}
