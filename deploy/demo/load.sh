#!/usr/bin/env bash
# Loads demo data through the running services (so it exercises the real path): categories,
# products from products.csv (with their attributes), T-shirt variants, warehouses, stock with
# lots and expiry, reorder rules, two suppliers, and platform orders from orders.jsonl
# (published to erp.ingest). Safe to run
# again: what exists is left as it is (a repeated order is recognised as a repeat).
#   deploy/demo/load.sh [path/to/erpctl]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
erpctl=${1:-$here/../../.build/release/erpctl}

# Runs an erpctl command; a refusal because the thing exists already is fine.
quietly() {
  local output
  if ! output=$("$erpctl" "$@" 2>&1); then
    case "$output" in *duplicate-*) ;; *) echo "demo: erpctl $*: $output" >&2; return 1 ;; esac
  fi
}

quietly catalog create-category --code apparel --name Apparel
quietly catalog create-category --code tops --name Tops --parent apparel
quietly catalog create-category --code kitchen --name Kitchen
quietly catalog create-category --code food --name Food
"$erpctl" catalog import "$here/products.csv" >/dev/null
"$erpctl" catalog variants --product TEE-BASIC --attribute colour=White,Black,Navy --attribute size=S,M,L,XL --price 79.00 >/dev/null
quietly catalog translate --product MUG-CLASSIC --locale zh-Hans --title 经典马克杯

quietly inventory add-warehouse --code SH --name "Shanghai DC" --region east
quietly inventory add-warehouse --code GZ --name "Guangzhou DC" --region south
quietly inventory add-warehouse --code BJ --name "Beijing DC" --region north

# Stock only once: a second run must not receive it again.
if [ "$("$erpctl" inventory levels --json | tr -d '[:space:]')" = "[]" ]; then
  "$erpctl" inventory receive --sku MUG-CLASSIC --warehouse SH --qty 120 --lot MUG-2611 --unit-cost 14.20 --purchase-ref PO-DEMO-1 >/dev/null
  "$erpctl" inventory receive --sku MUG-CLASSIC --warehouse GZ --qty 40 --lot MUG-2611 --unit-cost 14.20 --purchase-ref PO-DEMO-1 >/dev/null
  "$erpctl" inventory receive --sku TEA-OOLONG --warehouse SH --qty 60 --lot TEA-2605 --expiry 2027-05-31 --unit-cost 21.00 --purchase-ref PO-DEMO-2 >/dev/null
  "$erpctl" inventory receive --sku TEA-OOLONG --warehouse SH --qty 30 --lot TEA-2611 --expiry 2027-11-30 --unit-cost 22.50 --purchase-ref PO-DEMO-3 >/dev/null
  "$erpctl" inventory receive --sku BAG-TOTE --warehouse BJ --qty 25 --lot BAG-2610 --unit-cost 18.00 --purchase-ref PO-DEMO-4 >/dev/null
  for colour in WHITE BLACK NAVY; do
    for size in S M L XL; do
      "$erpctl" inventory receive --sku "TEE-BASIC-$colour-$size" --warehouse GZ --qty 30 --lot TEE-2609 --unit-cost 26.00 --purchase-ref PO-DEMO-5 >/dev/null
    done
  done
  "$erpctl" inventory reorder-rule --sku MUG-CLASSIC --warehouse SH --min 20 --max 150 >/dev/null
  "$erpctl" inventory reorder-rule --sku TEA-OOLONG --warehouse SH --min 30 --max 120 >/dev/null
fi
# Suppliers: who the mugs and the tea are bought from (purchase orders are drafted from their terms).
quietly purchasing supplier add --code ACME --name "Acme Ceramics" --email orders@acme.example --currency CNY --terms-days 45
quietly purchasing supplier item --supplier ACME --sku MUG-CLASSIC --lead-time-days 10 --moq 24 --pack 12 --price 14.20 --currency CNY --preferred
quietly purchasing supplier add --code LEAF --name "Anxi Leaf Co." --currency CNY --terms-days 30
quietly purchasing supplier item --supplier LEAF --sku TEA-OOLONG --lead-time-days 21 --moq 30 --price 21.00 --currency CNY --preferred

# Services that copy the catalog (orders) get every SKU, also when they came after it.
"$erpctl" catalog republish >/dev/null
# Platform orders through intake (the third waits on hold for SKU SCARF-SILK, which the catalog lacks).
"$erpctl" orders import "$here/orders.jsonl" >/dev/null || { echo "demo: the demo orders were not all taken" >&2; exit 1; }
# The paid order ships as a warehouse ships it: once allocated, what each warehouse's pick list
# holds for it leaves as one parcel with a tracking number (erpctl orders ship; stock is issued).
demo_order_status() { "$erpctl" orders show --platform web --external-id DEMO-1001 2>/dev/null | head -1; }
id=""
for _ in $(seq 1 120); do
  line=$(demo_order_status)
  case "$line" in
    *", allocated,"*) id=$(sed -E 's/^order ([0-9]+):.*/\1/' <<<"$line"); break ;;
    *", partially_shipped,"* | *", shipped,"* | *", delivered,"* | *", completed,"*) break ;;  # shipped on an earlier run
  esac
  sleep 0.5
done
if [ -n "$id" ]; then
  for warehouse in SH GZ BJ; do
    # LINE:UNITS per order line (a line taken from two lots has two rows).
    lines=$("$erpctl" warehouse pick-list --warehouse "$warehouse" --format csv |
      awk -F, -v order="$id" 'NR > 1 && $1 == order { units[$2] += $6 } END { for (l in units) printf "--line %s:%s ", l, units[l] }')
    [ -n "$lines" ] || continue
    # shellcheck disable=SC2086 # one word per option
    "$erpctl" orders ship --order "$id" --shipment "DEMO-1001-$warehouse" --carrier sf --tracking "SF1001$warehouse" \
      --warehouse "$warehouse" $lines >/dev/null
  done
elif [ -z "$line" ] || [[ "$line" != *shipped,* && "$line" != *delivered,* && "$line" != *completed,* ]]; then
  echo "demo: DEMO-1001 was not allocated in time ($line)" >&2
  exit 1
fi
echo "demo: catalog, stock and orders loaded ($("$erpctl" inventory levels --json | grep -c '"sku"') stock rows)"
