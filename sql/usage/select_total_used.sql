SELECT used_micro FROM owtt_usage_total WHERE sponsored_allowance_id = :allowance_id
