{{/*
crm-lib.networkPolicy: ingress rules for the pods of this chart, only when .Values.networkPolicy.enabled.
- http (8080): from everywhere when networkPolicy.allowFromAnywhere (the gateway), otherwise only from
  pods of this namespace whose app.kubernetes.io/name is in networkPolicy.allowFrom (e.g. [gateway]);
  no rule at all (no http ingress) when that list is empty.
- grpc (8081, only when grpc.enabled): only from pods whose app.kubernetes.io/name is in
  networkPolicy.grpcFrom (e.g. [leads, messaging]).
- management (8090: health, metrics, /admin): only from the gateway's pods (app.kubernetes.io/name: gateway, this
  namespace; the gateway checks every backend's /health/ready there) and the peers in networkPolicy.managementFrom
  (e.g. Prometheus in the monitoring namespace: namespaceSelector / podSelector). Never from every pod of the
  namespace: the processes serve only health, metrics and /admin there (their port policy), but /admin can requeue.
  Kubelet probes need no rule.
Egress is not restricted (policyTypes: Ingress only).
*/}}
{{- define "crm-lib.networkPolicy" -}}
{{- if .Values.networkPolicy.enabled }}
{{- $np := .Values.networkPolicy }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "crm-lib.fullname" . }}
  labels:
    {{- include "crm-lib.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "crm-lib.selectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
  ingress:
    {{- if $np.allowFromAnywhere }}
    - ports:
        - port: http
          protocol: TCP
    {{- else if $np.allowFrom }}
    - from:
        - podSelector:
            matchExpressions:
              - key: app.kubernetes.io/name
                operator: In
                values:
                  {{- toYaml $np.allowFrom | nindent 18 }}
      ports:
        - port: http
          protocol: TCP
    {{- end }}
    {{- if and .Values.grpc.enabled $np.grpcFrom }}
    - from:
        - podSelector:
            matchExpressions:
              - key: app.kubernetes.io/name
                operator: In
                values:
                  {{- toYaml $np.grpcFrom | nindent 18 }}
      ports:
        - port: grpc
          protocol: TCP
    {{- end }}
    - from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: gateway
        {{- with $np.managementFrom }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      ports:
        - port: management
          protocol: TCP
{{- end }}
{{- end -}}
