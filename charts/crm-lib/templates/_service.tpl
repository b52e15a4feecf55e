{{/*
crm-lib.service: the ClusterIP Service named after the chart (contacts, leads, ..., gateway):
http 8080 (REST) and management 8090 (health; the gateway never routes it).
*/}}
{{- define "crm-lib.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "crm-lib.fullname" . }}
  labels:
    {{- include "crm-lib.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "crm-lib.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: 8080
      targetPort: http
      protocol: TCP
    - name: management
      port: 8090
      targetPort: management
      protocol: TCP
{{- end -}}

{{/*
crm-lib.grpcService: headless Service <fullname>-grpc (port grpc 8081, h2c), rendered only when
.Values.grpc.enabled. Headless, so DNS returns every ready pod and gRPC clients can spread their
long-lived HTTP/2 connections instead of pinning one ClusterIP connection to one pod.
*/}}
{{- define "crm-lib.grpcService" -}}
{{- if .Values.grpc.enabled }}
apiVersion: v1
kind: Service
metadata:
  name: {{ printf "%s-grpc" (include "crm-lib.fullname" .) | trunc 63 | trimSuffix "-" }}
  labels:
    {{- include "crm-lib.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  clusterIP: None
  selector:
    {{- include "crm-lib.selectorLabels" . | nindent 4 }}
  ports:
    - name: grpc
      port: 8081
      targetPort: grpc
      protocol: TCP
      appProtocol: kubernetes.io/h2c
{{- end }}
{{- end -}}
