import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { QuantityError, parseQuantity, quantityMilliValue, quantityValue } from "./quantity.ts";

describe("quantity", () => {
  it("reads cpu quantities in millicores, rounding up as apimachinery does", () => {
    assert.equal(quantityMilliValue("100m"), 100);
    assert.equal(quantityMilliValue("2"), 2000);
    assert.equal(quantityMilliValue("0.5"), 500);
    assert.equal(quantityMilliValue("1.2345"), 1235);
    assert.equal(quantityMilliValue("0.1m"), 1);
    assert.equal(quantityMilliValue("250000u"), 250);
    assert.equal(quantityMilliValue("1e3"), 1_000_000);
  });

  it("reads memory quantities in bytes with binary and decimal suffixes", () => {
    assert.equal(quantityValue("1Gi"), 1024 ** 3);
    assert.equal(quantityValue("500Mi"), 500 * 1024 ** 2);
    assert.equal(quantityValue("1.5Gi"), 1.5 * 1024 ** 3);
    assert.equal(quantityValue("128974848"), 128974848);
    assert.equal(quantityValue("129e6"), 129_000_000);
    assert.equal(quantityValue("129M"), 129_000_000);
    assert.equal(quantityValue("123Ki"), 125952);
    assert.equal(quantityValue("1k"), 1000);
    assert.equal(quantityValue("1E-3"), 1);
    assert.equal(quantityValue("110"), 110);
  });

  it("keeps the value exact until it is converted", () => {
    assert.deepEqual(parseQuantity("1.5Ki"), { numerator: 15n * 1024n, denominator: 10n });
    assert.deepEqual(parseQuantity("-5m"), { numerator: -5n, denominator: 1000n });
    assert.equal(quantityMilliValue(".5"), 500);
  });

  it("rejects what Kubernetes rejects", () => {
    for (const bad of ["", "abc", "1Kb", "1 Gi", "1.2.3", "Gi", "1ki", "0x10"]) {
      assert.throws(() => parseQuantity(bad), QuantityError, bad);
    }
  });

  it("refuses values beyond exact JavaScript numbers", () => {
    assert.throws(() => quantityValue("16Ei"), QuantityError);
  });
});
