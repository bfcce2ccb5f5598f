//! The pest grammar of the MLIR text (see `mlir.pest`).

#[derive(pest_derive::Parser)]
#[grammar = "mlir.pest"]
pub struct MlirGrammar;

/// A readable name of a grammar rule, for "expected ..." messages.
pub fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of input",
        Rule::operation
        | Rule::op_body
        | Rule::generic_op
        | Rule::paren_op
        | Rule::same_type_op => "an operation",
        Rule::module_op | Rule::kw_module => "'module'",
        Rule::func_op | Rule::kw_func => "'func.func'",
        Rule::return_op | Rule::kw_return => "'return'",
        Rule::call_op | Rule::kw_call => "'func.call'",
        Rule::result_list
        | Rule::result_group
        | Rule::value_name
        | Rule::value_use
        | Rule::value_use_list => "an SSA value like '%0'",
        Rule::type_
        | Rule::type_list
        | Rule::tensor_type
        | Rule::simple_tensor_type
        | Rule::int_type
        | Rule::float_type
        | Rule::none_type
        | Rule::index_type
        | Rule::complex_type
        | Rule::quant_type
        | Rule::quant_storage
        | Rule::quant_storage_type => "a type",
        Rule::quant_params | Rule::quant_per_axis | Rule::quant_scale_zp | Rule::quant_scale => {
            "quantization parameters 'scale[:zero_point]'"
        }
        Rule::quant_int | Rule::minus => "an integer",
        Rule::dialect_type => "a type",
        Rule::function_type => "a function type like '(tensor<f32>) -> tensor<f32>'",
        Rule::attribute
        | Rule::typed_number
        | Rule::string_attr
        | Rule::array_attr
        | Rule::dense_attr
        | Rule::dense_resource_attr
        | Rule::dense_array_attr
        | Rule::unit_attr
        | Rule::dialect_attr => "an attribute",
        Rule::attr_dict => "an attribute dictionary '{...}'",
        Rule::attr_entry | Rule::attr_name => "an attribute name",
        Rule::properties => "properties '<{...}>'",
        Rule::region | Rule::region_list => "a region '{...}'",
        Rule::block | Rule::block_label | Rule::block_name => "a block label like '^bb0'",
        Rule::block_arg => "a block argument",
        Rule::location | Rule::trailing_loc => "a location 'loc(...)'",
        Rule::string | Rule::string_inner => "a string",
        Rule::number
        | Rule::float_lit
        | Rule::signed_int
        | Rule::hex_int
        | Rule::dec_int
        | Rule::integer => "a number",
        Rule::symbol_ref | Rule::symbol_name => "a symbol like '@main'",
        Rule::bool_lit => "'true' or 'false'",
        Rule::dense_list
        | Rule::dense_scalar
        | Rule::dense_numbers
        | Rule::dn_list
        | Rule::dn_item
        | Rule::dn_space => "dense element values",
        Rule::dims => "tensor dimensions",
        Rule::op_name | Rule::bare_id | Rule::suffix_id => "an identifier",
        Rule::func_args | Rule::func_arg => "function arguments",
        Rule::func_results | Rule::func_result | Rule::plain_result => "function results",
        Rule::resource_section
        | Rule::resource_group
        | Rule::resource_dialect
        | Rule::resource_entry => "a resource entry",
        Rule::attr_alias_def | Rule::attr_alias_name => "an attribute alias",
        Rule::type_alias_def | Rule::type_alias_name => "a type alias",
        _ => "valid syntax",
    }
}
