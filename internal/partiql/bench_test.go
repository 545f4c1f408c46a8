package partiql

import "testing"

const benchStmt = `SELECT * FROM "orders"."by-customer" WHERE customer = ? AND created BETWEEN ? AND ? AND status IN ['open', 'paid'] ORDER BY created DESC`

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(benchStmt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAnalyze(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchStmt)))
	for b.Loop() {
		if _, err := Analyze(benchStmt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPrint(b *testing.B) {
	stmt, err := Parse(benchStmt)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = Print(stmt)
	}
}
