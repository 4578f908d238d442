# safe: SEC031
def delete_user(current_user, user_id, repo):
    if not current_user.is_admin:
        raise PermissionError("only admins can delete users")
    repo.delete(user_id)
