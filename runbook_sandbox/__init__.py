"""The sandbox: a local stand-in for a brand-new AWS account, moto adjusted to AWS's rules.

It runs in a process of its own (``python -m runbook_sandbox --ready-file PATH``) and is reached
only over HTTP, exactly like AWS: boto3 with the sandbox's URL as its endpoint, and the control
routes under ``/_sandbox/`` for what only the console can do. So it imports nothing of
``runbook_lib``, and ``runbook_lib`` nothing of it (``runbook_lib.sandbox`` is the client): the
runbook cannot lean on anything that a real account would not give it. moto and flask are needed
here only (the ``[sandbox]`` extra).

Modules: ``server`` (the WSGI app in front of moto, and serving), ``permissions`` (the access
control in front of moto: what a principal's policies allow, and the ``workshop`` and
``rehearsal`` modes), ``console`` (the console steps with no API, and those root makes on a new
account), ``reserved_roles`` (the IAM role provisioning makes), ``simulator``
(``iam:SimulatePrincipalPolicy``), ``oidc`` and ``portal`` (sso-oidc and the SSO portal API),
``rest_json`` (their requests and answers), ``calls`` (what a request asks for, and refusals in its
protocol) and ``not_implemented`` (AWS's answer for a call moto lacks).
"""
