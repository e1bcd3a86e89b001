{{/* Names and labels shared by the templates. */}}

{{- define "distgen.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "distgen.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A component's resource name: "<fullname>-<component>", within the 63 characters of a DNS label. */}}
{{- define "distgen.component" -}}
{{- printf "%s-%s" (include "distgen.fullname" .root | trunc (int (sub 62 (len .component))) | trimSuffix "-") .component -}}
{{- end -}}

{{- define "distgen.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "distgen.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component (silo, redis, submit). */}}
{{- define "distgen.selectorLabels" -}}
app.kubernetes.io/name: {{ include "distgen.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "distgen.secretName" -}}
{{- default (include "distgen.component" (dict "root" . "component" "secret")) .Values.secret.existingSecret -}}
{{- end -}}

{{- define "distgen.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "distgen.component" (dict "root" . "component" "silo")) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The gateway Service's in-cluster address, as clients give it to --gateway. */}}
{{- define "distgen.gatewayAddress" -}}
{{- printf "%s.%s.svc:%d" (include "distgen.component" (dict "root" . "component" "gateway")) .Release.Namespace (int .Values.silo.ports.gateway) -}}
{{- end -}}

{{/* Redis host:port; the password, when there is one, is added from REDIS_PASSWORD by the pod. */}}
{{- define "distgen.redisServer" -}}
{{- if .Values.redis.enabled -}}
{{- printf "%s:6379" (include "distgen.component" (dict "root" . "component" "redis")) -}}
{{- else -}}
{{- required "redis.external.host is required when redis.enabled is false" .Values.redis.external.host -}}:{{ .Values.redis.external.port }}
{{- end -}}
{{- end -}}

{{- define "distgen.redisHasPassword" -}}
{{- if or .Values.redis.enabled .Values.redis.external.passwordSecret.name -}}true{{- end -}}
{{- end -}}

{{/* The env entry REDIS_PASSWORD from a Secret (the chart's, or the external Redis's). */}}
{{- define "distgen.redisPasswordEnv" -}}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
{{- if .Values.redis.enabled }}
      name: {{ include "distgen.secretName" . }}
      key: {{ .Values.secret.redisPasswordKey }}
{{- else }}
      name: {{ .Values.redis.external.passwordSecret.name }}
      key: {{ .Values.redis.external.passwordSecret.key }}
{{- end }}
{{- end -}}

{{/* Redis connection string for DISTGEN__Cluster__Redis / DISTGEN_REDIS; $(REDIS_PASSWORD) is expanded by Kubernetes. */}}
{{- define "distgen.redisConnection" -}}
{{- include "distgen.redisServer" . -}}
{{- if include "distgen.redisHasPassword" . -}},password=$(REDIS_PASSWORD){{- end -}}
{{- if and (not .Values.redis.enabled) .Values.redis.external.tls.enabled -}},ssl=true{{- end -}}
{{- end -}}

{{/* Whether silos trust a named CA for the external Redis's TLS. */}}
{{- define "distgen.redisCa" -}}
{{- if and (not .Values.redis.enabled) .Values.redis.external.tls.enabled .Values.redis.external.tls.caSecret.name -}}true{{- end -}}
{{- end -}}

{{- define "distgen.siloImage" -}}
{{- $image := .Values.silo.image -}}
{{- if .Values.gpu.enabled -}}{{- $image = .Values.gpu.image -}}{{- end -}}
{{- printf "%s:%s" $image.repository $image.tag -}}
{{- end -}}

{{/* The Secrets (keys ca.crt, tls.crt, tls.key) holding the silos' and the operator client's certificates. */}}
{{- define "distgen.tlsSiloSecretName" -}}
{{- .Values.tls.existingSiloSecret | default (include "distgen.component" (dict "root" . "component" "silo-tls")) -}}
{{- end }}

{{- define "distgen.tlsOperatorSecretName" -}}
{{- .Values.tls.existingOperatorSecret | default (include "distgen.component" (dict "root" . "component" "operator-tls")) -}}
{{- end }}

{{/* Where a pod finds its certificate, key and the cluster's CA. */}}
{{- define "distgen.tlsMountPath" -}}/etc/distgen-tls{{- end }}
