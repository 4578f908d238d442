# expect: SEC031
def delete_user(current_user, user_id, repo):
    assert current_user.is_admin, "only admins can delete users"
    repo.delete(user_id)
