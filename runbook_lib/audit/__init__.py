"""The account's audit: collect (boto3, reads only) apart from judge (pure) apart from report.

``facts`` holds the plain data every judge reads; ``collect_*`` fills it in from AWS (each
function wrapped by ``aws.translating_aws_errors`` and listing its IAM actions); ``judge*`` turn
facts into ``checks.Check``s with no AWS call, so every verdict is tested with facts written by
hand. Step 07 plans from the same facts and judges its hardening with the same code.
"""
