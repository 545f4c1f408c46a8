package dynamosql

// Composite columns in SELECT *. The mapper stores each composite key of
// its entities (an index keyed on ["lastname","firstname"]) in an
// attribute of its own, "lastname#firstname", which duplicates the
// components and has no field in the entity's struct. SELECT * leaves the
// composite attributes registered in the connector's catalog (by
// mapper.NewRepository, mapper.Attach or indexhint.Catalog.
// RegisterComposites) out of its columns, so that a struct scanner in
// strict mode (sqlx's Get and Select: "missing destination name
// lastname#firstname") reads the items as the entity's struct. Name a
// composite attribute in the projection to read it, or pass
// CompositeColumns() to have SELECT * return it like any attribute.

// CompositeColumns makes a SELECT * (and RETURNING ALL OLD * or ALL NEW *)
// return the composite attributes registered for the table as columns too:
// by default they are left out (see docs/mapper.md). The mapper's own reads
// pass it.
func CompositeColumns() Option {
	return optionFunc(func(o *stmtOptions) error { o.compositeColumns = true; return nil })
}

// hiddenComposites returns the attributes a SELECT * on table leaves out:
// the composites registered for it, nil when keep is set or there are
// none.
func (c *conn) hiddenComposites(table string, keep bool) map[string]bool {
	if keep || table == "" {
		return nil
	}
	comps := c.c.catalog.Composites(table)
	if len(comps) == 0 {
		return nil
	}
	hidden := make(map[string]bool, len(comps))
	for _, x := range comps {
		hidden[x.Attribute] = true
	}
	return hidden
}
